package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.dma4j.fake.DeviceContext;
import org.dma4j.fake.DeviceModel;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.Test;

/**
 * The driver's submit + poll(handler) loop allocates nothing. The synchronous fake runs each
 * command inside the driver's doorbell write, on the same thread, so what the fake itself
 * allocates is metered around every BAR access ({@link Metered}) and taken out: what remains
 * is the driver's own allocation, measured with the JVM's per-thread allocation counter.
 */
class IoQueueAllocationTest {
    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A device model that counts the bytes its delegate allocates on the calling thread. */
    static final class Metered implements DeviceModel {
        private final DeviceModel inner;
        long bytes;

        Metered(DeviceModel inner) {
            this.inner = inner;
        }

        @Override
        public long barSize(int index) {
            return inner.barSize(index);
        }

        @Override
        public long read(int bar, long offset, int width) {
            long before = MX.getCurrentThreadAllocatedBytes();
            try {
                return inner.read(bar, offset, width);
            } finally {
                bytes += MX.getCurrentThreadAllocatedBytes() - before;
            }
        }

        @Override
        public void write(int bar, long offset, int width, long value) {
            long before = MX.getCurrentThreadAllocatedBytes();
            try {
                inner.write(bar, offset, width, value);
            } finally {
                bytes += MX.getCurrentThreadAllocatedBytes() - before;
            }
        }

        @Override
        public void attach(DeviceContext context) {
            inner.attach(context);
        }

        @Override
        public void reset() {
            inner.reset();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private int completed;
    private IoQueue queue;
    private Namespace ns;
    private DmaMapping mapping;
    private long lba;
    /** The closed loop: every completion submits the next Read. A field, made once. */
    private final CompletionHandler resubmit = (cid, status, result) -> {
        if (status != 0) {
            throw new AssertionError("status 0x" + Integer.toHexString(status));
        }
        completed++;
        lba = (lba + 7) & 1023;
        queue.submitRead(ns, lba, 1, mapping, (cid & 7) * 512L);
    };

    private long run(int completions) {
        long before = MX.getCurrentThreadAllocatedBytes();
        int target = completed + completions;
        while (completed < target) {
            queue.poll(resubmit);
        }
        return MX.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void submitAndPollAllocateNothing() {
        assertTrue(
                MX.isThreadAllocatedMemorySupported() && MX.isThreadAllocatedMemoryEnabled(),
                "the JVM counts allocation per thread");
        FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults());
        Metered model = new Metered(nvme);
        try (FakeDmaSpace space = FakeDmaSpace.open();
                FakePciDevice dev = new FakePciDevice(
                        PciAddress.parse("0000:00:0d.0"),
                        space,
                        model,
                        FakeNvme.VENDOR,
                        FakeNvme.DEVICE,
                        FakeNvme.CLASS,
                        FakeNvme.MSIX_VECTORS);
                NvmeController ctrl = NvmeController.open(dev, Duration.ofSeconds(5), 16, 2);
                DmaBuffer buf = DmaBuffer.allocate(4096);
                DmaMapping m = space.map(buf, DmaDirection.BIDIRECTIONAL);
                IoQueue q = ctrl.createIoQueue(32)) {
            queue = q;
            ns = ctrl.namespace(1);
            mapping = m;
            for (int i = 0; i < 8; i++) {
                q.submitRead(ns, i, 1, m, i * 512L);
            }
            run(200_000); // warm-up: the JIT compiles the loop
            long fakeBefore = model.bytes;
            long total = run(200_000);
            long fake = model.bytes - fakeBefore;
            assertEquals(
                    0,
                    total - fake,
                    "bytes the driver allocated in 200 000 submit + poll(handler) round trips (the fake's " + fake
                            + " bytes taken out of " + total + ")");
            assertTrue(nvme.bugs().isEmpty(), nvme.bugs().toString());
        }
    }
}
