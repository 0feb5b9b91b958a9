package org.dma4j.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.dma4j.Dma4jException;
import org.dma4j.hil.Guest;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpaces;
import org.dma4j.iommu.VfioType1Space;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.nvme.IoQueue;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciSysfs;
import org.dma4j.pci.VfioPciDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Removal through sysfs ({@code echo 1 > .../remove}) while I/O is in flight, on type1. vfio-pci
 * does not pull a device from under its user: the remove blocks (the kernel logs "blocked until
 * released by user") until the device fd is closed. So what is proven: the I/O thread neither
 * hangs nor corrupts (it goes on or fails typed), closing the controller, device and space works
 * within a deadline with the removal pending, the kernel then completes the removal, and nothing
 * leaked. Afterwards the bus is re-scanned and the device bound to vfio-pci again, so that later
 * tests in this guest still find it.
 */
@Tag("type1")
class Type1SurpriseRemovalTest {
    @Test
    void removeThroughSysfsWhileIoIsInFlight() throws Exception {
        Guest.require("type1");
        String bdf = Guest.nvmeBdf();
        Path dev = Path.of("/sys/bus/pci/devices", bdf);
        Leaks before = Leaks.now();
        AtomicReference<Throwable> ioError = new AtomicReference<>();
        AtomicReference<Throwable> removeError = new AtomicReference<>();
        AtomicLong ios = new AtomicLong();
        Thread remover;
        try {
            VfioType1Space space = VfioType1Space.open(DmaSpaces.group(bdf));
            VfioPciDevice pci = VfioPciDevice.open(PciAddress.parse(bdf), space);
            NvmeController c = NvmeController.open(pci, Duration.ofSeconds(2), 16, 2);
            Namespace ns = c.namespaces().get(0);
            Thread io = Thread.ofPlatform().start(() -> {
                try (IoQueue q = c.createIoQueue(8);
                        DmaBuffer b = space.allocate(4096);
                        DmaMapping m = space.map(b, DmaDirection.BIDIRECTIONAL)) {
                    while (!Thread.currentThread().isInterrupted()) {
                        q.read(ns, ios.get() % 64, 1, m, 0);
                        ios.incrementAndGet();
                    }
                } catch (Dma4jException e) {
                    ioError.set(e); // typed: fine
                } catch (Throwable t) {
                    ioError.set(t);
                }
            });
            Thread.sleep(200);
            remover = Thread.ofPlatform().start(() -> {
                try {
                    Files.writeString(dev.resolve("remove"), "1");
                } catch (Throwable t) {
                    removeError.set(t);
                }
            });
            Thread.sleep(500);
            assertTrue(remover.isAlive(), "vfio-pci removed the device while its fd was open");
            io.interrupt();
            io.join(10_000);
            assertFalse(io.isAlive(), "the I/O thread hangs with a removal pending");
            assertTrue(ioError.get() == null || ioError.get() instanceof Dma4jException, "untyped: " + ioError.get());
            long t0 = System.nanoTime();
            c.close();
            pci.close();
            space.close();
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "closing took over 10 s");
            remover.join(10_000);
            assertFalse(remover.isAlive(), "the kernel did not complete the removal once the device was released");
            assertEquals(null, removeError.get());
            assertFalse(Files.exists(dev), bdf + " is still there");
            System.out.println("sysfs removal: " + ios.get() + " reads before the release, I/O thread ended with "
                    + ioError.get());
            assertEquals(List.of(), Leaks.now().grewSince(before), "leaked");
        } finally {
            Files.writeString(Path.of("/sys/bus/pci/rescan"), "1");
            for (int i = 0; i < 100 && !Files.exists(dev); i++) {
                Thread.sleep(100);
            }
            new PciSysfs().bindVfio(PciAddress.parse(bdf));
        }
        try (VfioType1Space again = VfioType1Space.open(DmaSpaces.group(bdf));
                VfioPciDevice d = VfioPciDevice.open(PciAddress.parse(bdf), again)) {
            assertEquals(bdf, d.address().toString(), "usable again");
        }
    }
}
