package org.dma4j.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNamespace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.PciAddress;
import org.junit.jupiter.api.Test;

/**
 * Submitting and completing an I/O allocates nothing once compiled: the Read and Write entries are
 * encoded straight into the SQ slot ({@code NvmCommands.rw}), completions decoded in place. Measured
 * with the thread's allocated-bytes counter over rounds of I/O on a fake whose namespace moves no
 * data; the first rounds warm the JIT up, and some round must then allocate nothing at all.
 */
class IoHotPathAllocationTest {
    private static final int ROUNDS = 60, PER_ROUND = 5_000;

    /**
     * The current thread's allocated bytes ({@code com.sun.management.ThreadMXBean}), looked up
     * reflectively: org.dma4j, which the tests are patched into, does not read jdk.management.
     */
    static final class AllocatedBytes {
        private final Object bean;
        private final MethodHandle get;

        AllocatedBytes() {
            try {
                Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
                Class<?> iface = Class.forName("com.sun.management.ThreadMXBean");
                bean = factory.getMethod("getThreadMXBean").invoke(null);
                get = MethodHandles.publicLookup()
                        .findVirtual(iface, "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class))
                        .asType(MethodType.methodType(long.class, Object.class));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("the JDK's com.sun.management.ThreadMXBean is needed to count allocations", e);
            }
        }

        long getCurrentThreadAllocatedBytes() {
            try {
                return (long) get.invokeExact(bean);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }

    @Test
    void submitPollAndFinishAllocateNothing() {
        AllocatedBytes threads = new AllocatedBytes();
        FakeDmaSpace space = FakeDmaSpace.open();
        FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults()
                .withNamespaces(FakeNamespace.nul(1 << 20, 512))
                .asynchronous(
                        Duration.ZERO)); // the device works on its own thread: only the driver's allocations count
        FakePciDevice dev = FakeNvme.device(PciAddress.parse("0000:00:0c.0"), space, nvme);
        try (NvmeController c = NvmeController.open(dev, Duration.ofSeconds(10), 8, 1);
                IoQueue q = c.createIoQueue(32);
                DmaBuffer b = DmaBuffer.allocate(64 * 1024);
                DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
            Namespace ns = c.namespaces().get(0);
            long least = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS && least > 0; round++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < PER_ROUND; i++) {
                    int w = q.submitWrite(ns, i & 1023, 8, m, 0); // 4 KiB: PRP1 only
                    int r = q.submitRead(ns, i & 1023, 16, m, 512); // 8 KiB from an offset: PRP1 and a PRP list
                    while (!q.isDone(w) || !q.isDone(r)) {
                        q.poll();
                    }
                    q.finish(w);
                    q.finish(r);
                }
                least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
            }
            assertEquals(
                    0,
                    least,
                    "bytes allocated by " + PER_ROUND + " writes and reads in the least allocating of up to " + ROUNDS
                            + " rounds");
        } finally {
            dev.close();
            space.close();
        }
    }
}
