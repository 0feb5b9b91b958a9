import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes BENCHMARKS.md from one run of tools/bench/run: JMH's CSV, the C twins' TSV, the
 * optional kernel-vs-dma4j TSV and the run's facts. Every figure stands beside its C (or fio)
 * reference with the ratio; targets are checked and marked, never asserted.
 * Usage: java Report.java JMH.csv[:JMH2.csv...] C.tsv KERNEL.tsv|- FACTS.txt ANALYSIS.md OUT.md [PERF.tsv]
 * (PERF.tsv: "perf", rates|latency, queues, IOPS of dma4j nvme perf --device fake-null at QD32, 4 KiB.)
 */
public class Report {
    record Score(double score, double error, String unit) {}

    static final Map<String, Score> java = new HashMap<>();
    static final Map<String, Score> c = new HashMap<>();
    /** dma4j nvme perf's IOPS on fake-null: "rates 1" (the median of its runs), "rates 2" (--no-latency), "latency 1". */
    static final Map<String, Double> perf = new HashMap<>();
    /** Every "rates 1" run, in order. */
    static final List<Double> perfRuns = new ArrayList<>();
    static final StringBuilder out = new StringBuilder();
    static final List<String> missed = new ArrayList<>();

    public static void main(String[] a) throws IOException {
        Locale.setDefault(Locale.ROOT);
        for (String csv : a[0].split(":")) { // JMH runs, each CSV with its own parameter columns
            readJmh(Path.of(csv));
        }
        readC(Path.of(a[1]));
        if (a.length > 6 && Files.exists(Path.of(a[6]))) {
            for (String l : Files.readAllLines(Path.of(a[6]))) {
                String[] f = l.split("\t");
                if (f.length == 4 && f[0].equals("perf")) {
                    perf.put(f[1] + " " + f[2], parse(f[3]));
                    if ((f[1] + " " + f[2]).equals("rates 1")) {
                        perfRuns.add(parse(f[3]));
                    }
                }
            }
            if (!perfRuns.isEmpty()) {
                List<Double> sorted = new ArrayList<>(perfRuns);
                sorted.sort(null);
                perf.put("rates 1", sorted.get(sorted.size() / 2));
            }
        }
        List<String> kernel = a[2].equals("-") || !Files.exists(Path.of(a[2])) ? List.of() : Files.readAllLines(Path.of(a[2]));
        List<String> facts = Files.readAllLines(Path.of(a[3]));
        String analysis = Files.exists(Path.of(a[4])) ? Files.readString(Path.of(a[4])) : "";

        out.append("# dma4j benchmarks\n\n");
        out.append("Written by `tools/bench/run` (do not edit by hand: run it again). Java figures are JMH averages\n"
                + "(ns per operation, ± the 99.9 % confidence half-interval JMH reports); the C twins in `tools/bench/c/`\n"
                + "do the same work, timed the same way, in the same run. Ratio = Java / C (lower is better).\n"
                + "B/op is JMH's `gc.alloc.rate.norm` (`-prof gc`). Results are written down here, never asserted in tests.\n\n");
        out.append("## The run\n\n");
        for (String f : facts) {
            out.append("- ").append(f).append('\n');
        }
        out.append('\n');

        out.append("## NVMe driver: submit + complete of a 4 KiB read, per I/O\n\n");
        header("| benchmark | Java ns/IO | C ns/IO | ratio | B/op | IOPS/thread | target | |");
        for (String qd : new String[] {"qd1", "qd32"}) {
            String cName = "nvme-" + qd;
            row("driver vs null device, " + qd.toUpperCase(), "org.dma4j.bench.NvmeBench." + qd + "|device=null", cName + "|-",
                    1.3, true, 0, "≤ 1.3× C, 0 B/op");
        }
        for (String qd : new String[] {"qd1", "qd32"}) {
            String key = "org.dma4j.bench.NvmeBench." + qd + "|device=fake";
            Score s = java.get(key);
            double iops = s == null ? Double.NaN : 1e9 / s.score;
            boolean target = qd.equals("qd32");
            boolean ok = s != null && iops >= 10e6 && alloc(key) < 0.5;
            String t = target ? "≥ 10 M IOPS, 0 B/op" : "0 B/op";
            if (!target) {
                ok = s != null && alloc(key) < 0.5;
            }
            line("full fake (FakeNvme), " + qd.toUpperCase(), s, c.get("nvme-" + qd + "|-"), alloc(key), iops, t, ok);
        }
        Score copies = c.get("copy-4k-twice|-");
        out.append("\nThe C reference of the full fake is the null device: the ratio shows what the fake's checks and copies cost.\n"
                + "Its data alone, two 4 KiB copies per read (namespace -> staging -> host buffer), take " + fmt(copies)
                + " ns in C on this machine (`copy-4k-twice`)" + (copies == null ? "" : String.format(
                        ", a ceiling of %.1f M IOPS per thread for any fake that keeps its data", 1e3 / copies.score))
                + ".\n\n");

        perfSection();

        out.append("## Pagemap: `Pagemap.resolvePages` vs `pread` of /proc/self/pagemap in C\n\n");
        header("| pages | Java ns | C ns | ratio | B/op | ns/page | target | |");
        for (String p : new String[] {"1", "512", "262144"}) {
            String key = "org.dma4j.bench.PagemapBench.resolve|pages=" + p;
            Score s = java.get(key);
            Score r = c.get("pagemap|" + p);
            boolean batch = !p.equals("1");
            double ratio = ratio(s, r);
            String t = batch ? "≤ 1.1× C" : "";
            Boolean ok = batch ? (Boolean) (ratio <= 1.1) : null;
            out.append(String.format("| %s | %s | %s | %s | %s | %s | %s | %s |%n", p, fmt(s), fmt(r), ratioText(ratio), bytes(alloc(key)),
                    s == null ? "" : num(s.score / Long.parseLong(p)), t, mark(ok, "pagemap " + p)));
        }
        out.append('\n');

        out.append("## ioctl: FIONREAD on an empty pipe\n\n");
        header("| layer | Java ns | C ns | ratio | B/op | target | |");
        Score ci = c.get("ioctl|-");
        for (String m : new String[] {"bare", "syscalls", "typed"}) {
            String key = "org.dma4j.bench.IoctlBench." + m;
            Score s = java.get(key);
            double ratio = ratio(s, ci);
            boolean raw = m.equals("syscalls");
            String what = switch (m) {
                case "bare" -> "a plain FFM downcall (the JDK's crossing, no dma4j)";
                case "syscalls" -> "Syscalls.ioctl (raw)";
                default -> "Fd.ioctl (typed)";
            };
            out.append(String.format("| %s | %s | %s | %s | %s | %s | %s |%n", what, fmt(s),
                    fmt(ci), ratioText(ratio), bytes(alloc(key)), raw ? "≤ 1.2× C" : "", mark(raw ? (Boolean) (ratio <= 1.2) : null, "ioctl " + m)));
        }
        out.append('\n');

        out.append("## MMIO: a 32-bit register write then read\n\n");
        out.append("The host has no device: the \"BAR\" is ordinary memory, so this is dma4j's layer alone (a real MMIO read costs ~1 µs).\n\n");
        header("| access | Java ns | C ns | ratio | B/op |");
        mmio("Bar (MmioBar: checked, release/acquire)", "bar", "mmio-ordered");
        mmio("MemorySegment release/acquire", "segment", "mmio-ordered");
        mmio("MemorySegment plain", "plain", "mmio-plain");
        out.append('\n');

        out.append("## Fake IOMMU map + unmap, and IOVA allocation, with live mappings\n\n");
        out.append("One in two of the live mappings was unmapped again, leaving 4 KiB holes (fragmented IOVA space). Flat means no\n"
                + "linear scan (one would be thousands of times slower at 60000): the 60000-mapping figure is within 2× of the\n"
                + "10-mapping one, above it by no more than their JMH errors, or above it by no more than a balanced tree's depth\n"
                + "grows (log 60000 / log 10 = 4.78×: O(log n), marked logarithmic).\n\n");
        header("| operation | size | 10 live | 1000 live | 60000 live | 60000 / 10 | B/op (60000) | target | |");
        for (String[] b : new String[][] {{"fake map + unmap", "org.dma4j.bench.MapBench.mapUnmap"},
                {"IOVA allocate + free", "org.dma4j.iommu.IovaBench.allocateFree"}}) {
            for (String size : new String[] {"4096", "2097152"}) {
                Score s10 = java.get(b[1] + "|live=10|size=" + size);
                Score s1k = java.get(b[1] + "|live=1000|size=" + size);
                Score s60 = java.get(b[1] + "|live=60000|size=" + size);
                double ratio = ratio(s60, s10);
                // Flat: within 2x, or no larger than the two figures' JMH errors can explain.
                boolean withinError = s10 != null && s60 != null && s60.score - s10.score <= s60.error + s10.error;
                boolean logarithmic = ratio <= Math.log(60000) / Math.log(10);
                String m = mark(ratio <= 2.0 || withinError || logarithmic, b[0] + " " + size);
                out.append(String.format("| %s | %s | %s | %s | %s | %s | %s | flat | %s |%n", b[0], size.equals("4096") ? "4 KiB" : "2 MiB",
                        fmt(s10), fmt(s1k), fmt(s60), ratioText(ratio), bytes(alloc(b[1] + "|live=60000|size=" + size)),
                        ratio <= 2.0 ? m : withinError ? m + " (within error)" : logarithmic ? m + " (logarithmic)" : m));
            }
        }
        out.append('\n');

        out.append("## Against the kernel's NVMe driver (QEMU guest)\n\n");
        if (kernel.isEmpty()) {
            out.append("Not run in this run (`tools/bench/kernel-vs-dma4j` boots the QEMU guest; see its header).\n\n");
        } else {
            for (String k : kernel) {
                out.append(k).append('\n');
            }
            out.append('\n');
        }

        out.append("## Targets missed in this run\n\n");
        if (missed.isEmpty()) {
            out.append("None.\n\n");
        } else {
            for (String m : missed) {
                out.append("- ").append(m).append('\n');
            }
            out.append("\nWhat limits them is explained below.\n\n");
        }
        out.append(analysis);
        Files.writeString(Path.of(a[5]), out);
    }

    /** dma4j nvme perf against the JMH figure for the same settings, and scaling from one queue (thread) to two. */
    static void perfSection() {
        out.append("## `dma4j nvme perf` against JMH, and scaling with queues\n\n");
        out.append("`dma4j nvme perf --device fake-null --rw read --bs 4k --qd 32` (after its `--warmup`) against JMH's\n"
                + "`NvmeBench.qd32` on the same fake (FakeNvme on a namespace that keeps no data). JMH reads no clock per I/O,\n"
                + "and neither does perf with `--no-latency`: those two should agree. Timing each command costs perf one\n"
                + "`System.nanoTime()` per I/O on top. perf `--no-latency` ran " + perfRuns.size() + " times ("
                + String.join(", ", perfRuns.stream().map(Report::millions).toList())
                + " IOPS); the row has their median.\n\n");
        header("| perf | perf IOPS | JMH IOPS | perf / JMH | perf ns/IO - JMH ns/IO | target | |");
        Score j = java.get("org.dma4j.bench.NvmeBench.qd32|device=fakenull");
        double jIops = j == null ? Double.NaN : 1e9 / j.score;
        for (String[] m : new String[][] {{"rates 1", "--no-latency"}, {"latency 1", "timing each command"}}) {
            Double p = perf.get(m[0]);
            double agree = p == null ? Double.NaN : p / jIops;
            boolean rates = m[0].startsWith("rates");
            out.append(String.format("| %s | %s | %s (%s ns/IO) | %s | %s | %s | %s |%n", m[1],
                    millions(p), millions(jIops),
                    fmt(j), ratioText(agree), p == null || j == null ? "n/a" : String.format("%+.1f", 1e9 / p - j.score),
                    rates ? "±10 %" : "", mark(rates ? (Boolean) (!Double.isNaN(agree) && Math.abs(agree - 1) <= 0.10) : null,
                            "perf vs JMH")));
        }
        out.append('\n');
        Score c1 = c.get("nvme-qd32|-");
        Score c2 = c.get("nvme-qd32-x2|-");
        int cpus = Runtime.getRuntime().availableProcessors();
        out.append("One I/O queue per thread on one controller, QD32 batches of 4 KiB reads; IOPS summed over the threads\n"
                + "(JMH `NvmeScaleBench`, groups `one` and `two`; perf `--queues 1` and `--queues 2 --no-latency`). The C twin\n"
                + "ran once alone and then as two processes at once (`nvme-qd32-x2`: the two processes' IOPS summed).\n"
                + "Near-linear on this " + cpus + "-CPU machine means two queues do at least 1.7× the work of one.\n\n");
        header("| path | 1 queue | 2 queues | 2 / 1 | B/op (2 queues) | target | |");
        if (c1 != null && c2 != null) {
            out.append(String.format("| C twin, null device | %.2f M | %.2f M | %.2f× | | | |%n", 1e3 / c1.score, 1e3 / c2.score,
                    c1.score / c2.score));
        }
        for (String[] d : new String[][] {{"null", "driver vs null device (JMH)"}, {"fakenull", "full fake, no data (JMH)"}}) {
            Score one = java.get("org.dma4j.bench.NvmeScaleBench.one|device=" + d[0]);
            Score two = java.get("org.dma4j.bench.NvmeScaleBench.two|device=" + d[0]);
            double scale = ratio(two, one);
            boolean driver = d[0].equals("null");
            out.append(String.format("| %s | %s | %s | %s | %s | %s | %s |%n", d[1], mIops(one), mIops(two), ratioText(scale),
                    bytes(alloc("org.dma4j.bench.NvmeScaleBench.two|device=" + d[0])), driver ? "≥ 1.7×" : "",
                    mark(driver ? (Boolean) (scale >= 1.7) : null, "queue scaling, driver")));
        }
        Double p1 = perf.get("rates 1");
        Double p2 = perf.get("rates 2");
        double pScale = p1 == null || p2 == null ? Double.NaN : p2 / p1;
        out.append(String.format("| dma4j nvme perf, fake-null | %s | %s | %s | | | |%n%n",
                millions(p1), millions(p2),
                ratioText(pScale)));
    }

    /** IOPS as millions ("n/a" when missing). */
    static String millions(Double iops) {
        return iops == null || iops.isNaN() ? "n/a" : String.format("%.2f M", iops / 1e6);
    }

    /** A JMH throughput score in ops/µs as millions of IOPS. */
    static String mIops(Score s) {
        return s == null ? "n/a" : String.format("%.2f M ± %.2f", s.score, s.error);
    }

    static void mmio(String what, String m, String cName) {
        String key = "org.dma4j.pci.MmioBench." + m;
        Score s = java.get(key);
        Score r = c.get(cName + "|-");
        out.append(String.format("| %s | %s | %s (%s) | %s | %s |%n", what, fmt(s), fmt(r), cName, ratioText(ratio(s, r)), bytes(alloc(key))));
    }

    static void header(String h) {
        out.append(h).append('\n');
        out.append(h.replaceAll("[^|]+", "---")).append('\n');
    }

    static void row(String what, String key, String cKey, double maxRatio, boolean zeroAlloc, int unused, String target) {
        Score s = java.get(key);
        Score r = c.get(cKey);
        double ratio = ratio(s, r);
        boolean ok = ratio <= maxRatio && (!zeroAlloc || alloc(key) < 0.5);
        line(what, s, r, alloc(key), s == null ? Double.NaN : 1e9 / s.score, target, ok);
    }

    static void line(String what, Score s, Score r, double alloc, double iops, String target, boolean ok) {
        out.append(String.format("| %s | %s | %s | %s | %s | %s | %s | %s |%n", what, fmt(s), fmt(r), ratioText(ratio(s, r)), bytes(alloc),
                Double.isNaN(iops) ? "" : String.format("%.2f M", iops / 1e6), target, mark(ok, what)));
    }

    static String mark(Boolean ok, String what) {
        if (ok == null) {
            return "";
        }
        if (!ok) {
            missed.add(what);
        }
        return ok ? "met" : "**missed**";
    }

    static double ratio(Score s, Score r) {
        return s == null || r == null ? Double.NaN : s.score / r.score;
    }

    static String ratioText(double r) {
        return Double.isNaN(r) ? "n/a" : String.format("%.2f×", r);
    }

    static String fmt(Score s) {
        if (s == null) {
            return "n/a";
        }
        return Double.isNaN(s.error) ? num(s.score) : num(s.score) + " ± " + num(s.error);
    }

    static String num(double v) {
        if (v >= 100_000) {
            return String.format("%,.0f", v);
        }
        return v >= 100 ? String.format("%.0f", v) : v >= 10 ? String.format("%.1f", v) : String.format("%.2f", v);
    }

    static String bytes(double b) {
        return Double.isNaN(b) ? "n/a" : b < 0.5 ? "0" : String.format("%.0f", b);
    }

    static double alloc(String key) {
        int bar = key.indexOf('|');
        String k = bar < 0 ? key + ":gc.alloc.rate.norm" : key.substring(0, bar) + ":gc.alloc.rate.norm" + key.substring(bar);
        Score s = java.get(k);
        return s == null ? Double.NaN : s.score;
    }

    /** JMH's CSV: Benchmark, Mode, Threads, Samples, Score, Score Error (99.9%), Unit, Param: ... */
    static void readJmh(Path p) throws IOException {
        List<String> lines = Files.readAllLines(p);
        List<String> head = split(lines.get(0));
        for (String l : lines.subList(1, lines.size())) {
            List<String> f = split(l);
            StringBuilder key = new StringBuilder(f.get(0));
            for (int i = 7; i < f.size() && i < head.size(); i++) {
                if (!f.get(i).isEmpty()) {
                    key.append('|').append(head.get(i).replace("Param: ", "")).append('=').append(f.get(i));
                }
            }
            java.put(key.toString(), new Score(parse(f.get(4)), parse(f.get(5)), f.get(6)));
        }
    }

    /** The C twins: NAME, PARAM, ns/op, error. */
    static void readC(Path p) throws IOException {
        for (String l : Files.readAllLines(p)) {
            String[] f = l.split("\t");
            if (f.length == 4) {
                c.put(f[0] + "|" + f[1], new Score(parse(f[2]), parse(f[3]), "ns/op"));
            }
        }
    }

    static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static List<String> split(String line) {
        List<String> f = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char ch : line.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted) {
                f.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        f.add(cur.toString());
        return f;
    }
}
