package org.dma4j.cli;

import org.HdrHistogram.Histogram;

/**
 * Perf's results as a table (one row per operation, plus the total of a mix) or as JSON. Rates
 * are over the whole run; latencies are HdrHistogram's (3 significant digits), in microseconds.
 */
final class PerfReport {
    private PerfReport() {}

    private static final String ROW = "  %-10s %-5s %7s %5s %6s %11s %9s %9s %9s %9s %9s %9s %9s%n";

    static String table(Perf.Options o, Perf.Result r, int queues) {
        StringBuilder sb = new StringBuilder();
        if (r.interrupted()) {
            sb.append(String.format("  interrupted after %.1f s; results so far:%n", r.seconds()));
        }
        sb.append(String.format(
                ROW,
                "workload",
                "op",
                "bs",
                "qd",
                "queues",
                "IOPS",
                "MiB/s",
                "min us",
                "avg us",
                "p50 us",
                "p99 us",
                "p99.9 us",
                "max us"));
        boolean mix = o.readPercent() != 0 && o.readPercent() != 100;
        if (o.readPercent() != 0) {
            sb.append(row(o, r, queues, "read", r.readCount(), r.reads()));
        }
        if (o.readPercent() != 100) {
            sb.append(row(o, r, queues, "write", r.writeCount(), r.writes()));
        }
        if (mix) {
            sb.append(row(o, r, queues, "total", r.ios(), total(r)));
        }
        return sb.toString();
    }

    private static Histogram total(Perf.Result r) {
        Histogram t = Perf.newHistogram();
        t.add(r.reads());
        t.add(r.writes());
        return t;
    }

    /** One row: {@code n} commands, {@code h} their latencies (empty when not timed: "-"). */
    private static String row(Perf.Options o, Perf.Result r, int queues, String op, long n, Histogram h) {
        double iops = n == 0 ? 0 : n / r.seconds();
        return String.format(
                ROW,
                o.workload(),
                op,
                o.blockSize(),
                o.depth(),
                queues,
                String.format("%.0f", iops),
                String.format("%.1f", iops * o.blockSize() / (1 << 20)),
                us(h.getMinValue(), h),
                us(h.getMean(), h),
                us(h.getValueAtPercentile(50), h),
                us(h.getValueAtPercentile(99), h),
                us(h.getValueAtPercentile(99.9), h),
                us(h.getMaxValue(), h));
    }

    private static String us(double nanos, Histogram h) {
        return h.getTotalCount() == 0 ? "-" : String.format("%.1f", nanos / 1000);
    }

    static String json(Perf.Options o, Perf.Result r, int queues) {
        StringBuilder sb = new StringBuilder("{\"workload\":")
                .append(Json.string(o.workload()))
                .append(",\"blockSize\":")
                .append(o.blockSize())
                .append(",\"queueDepth\":")
                .append(o.depth())
                .append(",\"queues\":")
                .append(queues)
                .append(",\"readPercent\":")
                .append(o.readPercent())
                .append(",\"seconds\":")
                .append(String.format("%.3f", r.seconds()))
                .append(",\"warmupSeconds\":")
                .append(String.format("%.3f", o.warmup()))
                .append(",\"latency\":")
                .append(o.latency())
                .append(",\"interrupted\":")
                .append(r.interrupted())
                .append(",\"read\":")
                .append(op(o, r, r.readCount(), r.reads()))
                .append(",\"write\":")
                .append(op(o, r, r.writeCount(), r.writes()))
                .append(",\"total\":")
                .append(op(o, r, r.ios(), total(r)));
        return sb.append("}\n").toString();
    }

    private static String op(Perf.Options o, Perf.Result r, long n, Histogram h) {
        double iops = n == 0 ? 0 : n / r.seconds();
        StringBuilder sb = new StringBuilder("{\"ios\":")
                .append(n)
                .append(",\"iops\":")
                .append(String.format("%.1f", iops))
                .append(",\"mibPerSecond\":")
                .append(String.format("%.2f", iops * o.blockSize() / (1 << 20)))
                .append(",\"latencyUs\":");
        if (h.getTotalCount() == 0) { // none, or not timed (--no-latency)
            return sb.append("null}").toString();
        }
        return sb.append("{\"min\":")
                .append(num(h.getMinValue()))
                .append(",\"avg\":")
                .append(num(h.getMean()))
                .append(",\"p50\":")
                .append(num(h.getValueAtPercentile(50)))
                .append(",\"p90\":")
                .append(num(h.getValueAtPercentile(90)))
                .append(",\"p99\":")
                .append(num(h.getValueAtPercentile(99)))
                .append(",\"p99.9\":")
                .append(num(h.getValueAtPercentile(99.9)))
                .append(",\"max\":")
                .append(num(h.getMaxValue()))
                .append("}}")
                .toString();
    }

    private static String num(double nanos) {
        return String.format("%.2f", nanos / 1000);
    }
}
