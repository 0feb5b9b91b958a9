package org.dma4j.nvme;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.dma4j.pci.Bar;

/**
 * The register steps of a controller's life (NVMe base spec 3.5 "Controller Initialization"
 * and 3.6 "Shutdown"): disable, enable with the admin queues, shut down. Every wait has a
 * deadline: CAP.TO for CSTS.RDY, the shutdown timeout for CSTS.SHST.
 */
final class ControllerRegs {
    /** Linux's nvme_core.shutdown_timeout default: the least time a shutdown is given. */
    static final Duration SHUTDOWN_FLOOR = Duration.ofSeconds(5);
    /** Linux's cap on the time RTD3E may ask for. */
    static final Duration SHUTDOWN_CAP = Duration.ofSeconds(60);

    private final Bar bar;
    private final NvmeRegs.Cap cap;
    private final String name;

    ControllerRegs(Bar bar, NvmeRegs.Cap cap, String name) {
        this.bar = bar;
        this.cap = cap;
        this.name = name;
    }

    /** Clears CC.EN (a controller reset: it stops all DMA and forgets its queues) and waits for CSTS.RDY = 0. */
    void disable() {
        int cc = bar.read32(NvmeRegs.CC);
        if ((cc & NvmeRegs.CC_EN) != 0) {
            bar.write32(NvmeRegs.CC, cc & ~NvmeRegs.CC_EN);
        }
        waitReady(false);
    }

    /** Programs the admin queues (AQA, ASQ, ACQ), sets CC.EN and waits for CSTS.RDY = 1. */
    void enable(QueuePair admin) {
        int entries = admin.entries;
        bar.write32(NvmeRegs.AQA, (entries - 1) | (entries - 1) << 16);
        write64(NvmeRegs.ASQ, admin.sqIova());
        write64(NvmeRegs.ACQ, admin.cqIova());
        bar.write32(NvmeRegs.CC, NvmeRegs.CC_EN | NvmeRegs.CC_IOSQES_64 | NvmeRegs.CC_IOCQES_16);
        waitReady(true);
    }

    /** Whether the controller reports Controller Fatal Status. Throws if the device is gone. */
    boolean fatal() {
        return (csts() & NvmeRegs.CSTS_CFS) != 0;
    }

    /**
     * CSTS, checked: a register that reads all ones is what a PCIe read of a removed or dead
     * device returns (CSTS can never be all ones: its reserved bits are 0), so waiting on it
     * would only run into a timeout with a misleading message.
     */
    private int csts() {
        int v = bar.read32(NvmeRegs.CSTS);
        if (v == -1) {
            throw new NvmeException(gone(name, "CSTS"));
        }
        return v;
    }

    /** The message for a device whose {@code register} reads all ones. */
    static String gone(String name, String register) {
        return name + ": the device is gone: " + register + " reads all ones (0xffffffff), as after a surprise removal,"
                + " a link down or a dead controller; outstanding commands cannot complete";
    }

    /** A 64-bit register as two dword writes, low first: what every controller accepts. */
    private void write64(int offset, long value) {
        bar.write32(offset, (int) value);
        bar.write32(offset + 4, (int) (value >>> 32));
    }

    private void waitReady(boolean ready) {
        long deadline = System.nanoTime() + Math.max(cap.timeoutMillis(), 500) * 1_000_000;
        while (((csts() & NvmeRegs.CSTS_RDY) != 0) != ready) {
            if (ready && fatal()) {
                throw new NvmeException(name + ": controller fatal status (CSTS.CFS) while enabling");
            }
            if (System.nanoTime() > deadline) {
                throw new NvmeException.Timeout(name + ": CSTS.RDY did not become " + (ready ? 1 : 0)
                        + " within CAP.TO (" + cap.timeoutMillis() + " ms)");
            }
            LockSupport.parkNanos(
                    50_000); // enabling takes milliseconds (Linux sleeps 100 ms between reads): no need to spin
        }
    }

    /**
     * Normal shutdown: sets CC.SHN and waits up to {@code limit} for CSTS.SHST to say complete.
     * Throws {@link NvmeException.Timeout} when it does not; the caller disables the controller anyway.
     */
    void shutdown(Duration limit) {
        bar.write32(NvmeRegs.CC, (bar.read32(NvmeRegs.CC) & ~(3 << 14)) | NvmeRegs.CC_SHN_NORMAL);
        long deadline = System.nanoTime() + limit.toNanos();
        int csts;
        while (((csts = csts()) & NvmeRegs.CSTS_SHST_MASK) != NvmeRegs.CSTS_SHST_COMPLETE) {
            if (System.nanoTime() > deadline) {
                throw new NvmeException.Timeout(name + ": shutdown did not complete within " + limit.toMillis()
                        + " ms (CSTS.SHST is " + ((csts & NvmeRegs.CSTS_SHST_MASK) >>> 2) + ", not 2); the controller"
                        + " was disabled anyway, so data in a volatile write cache may be lost");
            }
            LockSupport.parkNanos(50_000); // a shutdown takes milliseconds to seconds: no need to spin
        }
    }

    /**
     * How long a shutdown may take, as Linux's nvme driver computes it: what Identify Controller
     * RTD3E (microseconds) says, at least {@code floor} (RTD3E 0 means "not reported"), and at
     * most {@link #SHUTDOWN_CAP} from RTD3E (a bogus value must not hang close for hours).
     */
    static Duration shutdownTimeout(long rtd3eMicros, Duration floor) {
        Duration reported = Duration.ofNanos(Math.min(Math.max(rtd3eMicros, 0), SHUTDOWN_CAP.toNanos() / 1000) * 1000);
        return reported.compareTo(floor) > 0 ? reported : floor;
    }
}
