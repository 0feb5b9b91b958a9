package org.dma4j.fake;

import static org.dma4j.nvme.spec.StatusCode.INVALID_FIELD;
import static org.dma4j.nvme.spec.StatusCode.INVALID_NAMESPACE_OR_FORMAT;
import static org.dma4j.nvme.spec.StatusCode.INVALID_OPCODE;
import static org.dma4j.nvme.spec.StatusCode.LBA_OUT_OF_RANGE;

import java.lang.foreign.MemorySegment;
import org.dma4j.nvme.spec.DsmRange;
import org.dma4j.nvme.spec.NvmCommands;
import org.dma4j.nvme.spec.NvmOpcode;
import org.dma4j.nvme.spec.SmartLogPage;
import org.dma4j.nvme.spec.Sqe;

/**
 * The NVM I/O commands of the fake NVMe controller: Flush, Write, Read, Write Zeroes and Dataset
 * Management (deallocate) on its namespaces, with the SMART counters they feed. Runs under the
 * controller's lock; data moves through the controller's reusable scratch buffer, so a command
 * allocates nothing of its own, except on namespaces with metadata ({@link FakeRw}). Refused
 * commands complete with Do Not Retry set, as QEMU's do.
 */
final class FakeIo {
    private final FakeNvme nvme;
    /** 512-byte units moved; the SMART log reports them in thousands, rounded up. */
    private long unitsRead, unitsWritten;

    private long hostReads, hostWrites;

    FakeIo(FakeNvme nvme) {
        this.nvme = nvme;
    }

    /** The SMART / Health log fields the fake keeps. */
    void smart(MemorySegment d) {
        SmartLogPage.setCompositeTemperature(d, 300); // 27 C
        SmartLogPage.setAvailableSpare(d, 100);
        SmartLogPage.setDataUnitsRead(d, (unitsRead + 999) / 1000);
        SmartLogPage.setDataUnitsWritten(d, (unitsWritten + 999) / 1000);
        SmartLogPage.setHostReadCommands(d, hostReads);
        SmartLogPage.setHostWriteCommands(d, hostWrites);
    }

    /** Runs I/O command {@code e} (an {@link Sqe} at offset 0); returns its status field. */
    int run(MemorySegment e, Prp prp, DeviceContext ctx) {
        FakeNvme.Config config = nvme.config();
        int nsid = Sqe.nsid(e, 0);
        if (nsid < 1 || nsid > config.namespaces().size()) {
            return INVALID_NAMESPACE_OR_FORMAT.withDnr();
        }
        FakeNamespace ns = config.namespaces().get(nsid - 1);
        long prp1 = Sqe.prp1(e, 0);
        long prp2 = Sqe.prp2(e, 0);
        long slba = NvmCommands.slba(e, 0);
        int nlb = NvmCommands.blocks(e, 0);
        NvmOpcode op = NvmOpcode.of(Sqe.opcode(e, 0));
        return switch (op) {
            case FLUSH -> 0;
            case WRITE, READ -> {
                boolean read = op == NvmOpcode.READ;
                if (slba < 0 || slba > ns.blocks() - nlb) {
                    yield LBA_OUT_OF_RANGE.withDnr();
                }
                long maxTransfer = config.mdts() == 0 ? 0 : config.minPage() << config.mdts();
                int status;
                if (ns.metadataSize() != 0) { // metadata or protection information: QEMU's rules, in FakeRw
                    status = FakeRw.run(read, ns, e, slba, nlb, maxTransfer, prp, ctx, nvme::bug);
                    if (status != 0) {
                        yield status;
                    }
                } else {
                    long bytes = (long) nlb * ns.dataSize();
                    if (maxTransfer != 0 && bytes > maxTransfer) {
                        yield INVALID_FIELD.withDnr();
                    }
                    if (ns.isNull()) { // no data moves at all: what is left is the driver's own cost
                        yield 0;
                    }
                    MemorySegment data = nvme.scratch(bytes);
                    if (read) {
                        ns.read(slba, data, null);
                        prp.transfer(prp1, prp2, data, bytes, true);
                    } else {
                        prp.transfer(prp1, prp2, data, bytes, false);
                        ns.write(slba, data, null);
                    }
                }
                long units = ((long) nlb * ns.dataSize() + 511) / 512;
                if (read) {
                    hostReads++;
                    unitsRead += units;
                } else {
                    hostWrites++;
                    unitsWritten += units;
                }
                yield 0;
            }
            case WRITE_ZEROES -> {
                if (slba < 0 || slba > ns.blocks() - nlb) {
                    yield LBA_OUT_OF_RANGE.withDnr();
                }
                FakeRw.writeZeroes(ns, e, slba, nlb);
                yield 0;
            }
            case DATASET_MANAGEMENT -> {
                int ranges = NvmCommands.dsmRanges(e, 0);
                if ((NvmCommands.dsmAttributes(e, 0) & NvmCommands.DSM_AD) != 0) {
                    MemorySegment r = nvme.scratch((long) DsmRange.SIZE * ranges);
                    prp.transfer(prp1, prp2, r, r.byteSize(), false);
                    for (int i = 0; i < ranges; i++) {
                        long len = DsmRange.length(r, i);
                        long start = DsmRange.slba(r, i);
                        if (start < 0 || start > ns.blocks() - len) {
                            yield LBA_OUT_OF_RANGE.withDnr();
                        }
                        ns.zero(start, len);
                    }
                }
                yield 0;
            }
            case null, default -> INVALID_OPCODE.withDnr();
        };
    }
}
