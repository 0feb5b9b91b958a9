package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The NVM I/O commands of the fake NVMe controller: Flush, Write, Read, Write Zeroes and Dataset
 * Management (deallocate) on its namespaces, with the SMART counters they feed. Runs under the
 * controller's lock; data moves through the controller's reusable scratch buffer, so a command
 * allocates nothing of its own, except on namespaces with metadata ({@link FakeRw}).
 */
final class FakeIo {
    private final FakeNvme nvme;
    private long dataUnitsRead, dataUnitsWritten, hostReads, hostWrites;

    FakeIo(FakeNvme nvme) {
        this.nvme = nvme;
    }

    /** The Do Not Retry bit of the status field. */
    static final int DNR = 1 << 14;

    /** An error status with Do Not Retry set, as QEMU answers every command it refuses. */
    private static int sc(int sct, int sc) {
        return DNR | sct << 8 | sc;
    }

    /** The SMART / Health log fields the fake keeps. */
    void smart(MemorySegment d) {
        d.set(ValueLayout.JAVA_SHORT_UNALIGNED, 1, (short) 300); // 27 C
        d.set(ValueLayout.JAVA_BYTE, 3, (byte) 100);
        d.set(ValueLayout.JAVA_LONG, 32, dataUnitsRead);
        d.set(ValueLayout.JAVA_LONG, 48, dataUnitsWritten);
        d.set(ValueLayout.JAVA_LONG, 64, hostReads);
        d.set(ValueLayout.JAVA_LONG, 80, hostWrites);
    }

    int run(int opc, MemorySegment e, Prp prp, DeviceContext ctx) {
        FakeNvme.Config config = nvme.config();
        int nsid = e.get(ValueLayout.JAVA_INT, 4);
        if (nsid < 1 || nsid > config.namespaces().size()) {
            return sc(0, 0x0b);
        }
        FakeNamespace ns = config.namespaces().get(nsid - 1);
        long prp1 = e.get(ValueLayout.JAVA_LONG, 24);
        long prp2 = e.get(ValueLayout.JAVA_LONG, 32);
        long slba = Integer.toUnsignedLong(e.get(ValueLayout.JAVA_INT, 40)) | (long) e.get(ValueLayout.JAVA_INT, 44) << 32;
        int nlb = (e.get(ValueLayout.JAVA_INT, 48) & 0xffff) + 1;
        return switch (opc) {
            case 0x00 -> 0;
            case 0x01, 0x02 -> {
                if (slba < 0 || slba > ns.blocks() - nlb) {
                    yield sc(0, 0x80);
                }
                long maxTransfer = config.mdts() == 0 ? 0 : config.minPage() << config.mdts();
                int status;
                if (ns.metadataSize() != 0) { // metadata or protection information: QEMU's rules, in FakeRw
                    status = FakeRw.run(opc == 0x02, ns, e, slba, nlb, maxTransfer, prp, ctx, nvme::bug);
                    if (status != 0) {
                        yield status;
                    }
                } else {
                    long bytes = (long) nlb * ns.dataSize();
                    if (maxTransfer != 0 && bytes > maxTransfer) {
                        yield sc(0, 0x02);
                    }
                    if (ns.isNull()) { // no data moves at all: what is left is the driver's own cost
                        yield 0;
                    }
                    MemorySegment data = nvme.scratch(bytes);
                    if (opc == 0x02) {
                        ns.read(slba, data, null);
                        prp.transfer(prp1, prp2, data, bytes, true);
                    } else {
                        prp.transfer(prp1, prp2, data, bytes, false);
                        ns.write(slba, data, null);
                    }
                }
                long units = ((long) nlb * ns.dataSize() + 511) / 512;
                if (opc == 0x02) {
                    hostReads++;
                    dataUnitsRead += units;
                } else {
                    hostWrites++;
                    dataUnitsWritten += units;
                }
                yield 0;
            }
            case 0x08 -> {
                if (slba < 0 || slba > ns.blocks() - nlb) {
                    yield sc(0, 0x80);
                }
                FakeRw.writeZeroes(ns, e, slba, nlb);
                yield 0;
            }
            case 0x09 -> {
                int ranges = (e.get(ValueLayout.JAVA_INT, 40) & 0xff) + 1;
                if ((e.get(ValueLayout.JAVA_INT, 44) & 4) != 0) {
                    MemorySegment r = nvme.scratch(16L * ranges);
                    prp.transfer(prp1, prp2, r, r.byteSize(), false);
                    for (int i = 0; i < ranges; i++) {
                        long len = Integer.toUnsignedLong(r.get(ValueLayout.JAVA_INT, 16L * i + 4));
                        long start = r.get(ValueLayout.JAVA_LONG, 16L * i + 8);
                        if (start < 0 || start > ns.blocks() - len) {
                            yield sc(0, 0x80);
                        }
                        ns.zero(start, len);
                    }
                }
                yield 0;
            }
            default -> sc(0, 0x01);
        };
    }
}
