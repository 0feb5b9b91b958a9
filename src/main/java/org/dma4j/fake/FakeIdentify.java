package org.dma4j.fake;

import java.lang.foreign.MemorySegment;
import org.dma4j.nvme.LbaFormat;
import org.dma4j.nvme.spec.Cns;
import org.dma4j.nvme.spec.Cqe;
import org.dma4j.nvme.spec.IdCtrl;
import org.dma4j.nvme.spec.IdNs;
import org.dma4j.nvme.spec.Sqe;
import org.dma4j.nvme.spec.StatusCode;

/** The fake NVMe controller's Identify data: controller (CNS 01h), namespace (00h), active namespace list (02h). */
final class FakeIdentify {
    private FakeIdentify() {}

    /** VER and the VS register: NVMe 1.4.0. */
    static final int VERSION = 0x0001_0400;

    /** Fills the zeroed 4 KiB {@code d}; returns the status field (0, or Invalid Namespace / Invalid Field, with DNR). */
    static int fill(int cns, int nsid, FakeNvme.Config config, MemorySegment d) {
        Cns c = Cns.of(cns);
        if (c == null) {
            return StatusCode.INVALID_FIELD.withDnr();
        }
        switch (c) {
            case CONTROLLER -> {
                IdCtrl.setVendorId(d, FakeNvme.VENDOR);
                IdCtrl.setSubsystemVendorId(d, FakeNvme.VENDOR);
                IdCtrl.setSerialNumber(d, "dma4j-fake-0");
                IdCtrl.setModelNumber(d, "dma4j fake NVMe");
                IdCtrl.setFirmwareRevision(d, "1.0");
                IdCtrl.setMdts(d, config.mdts());
                IdCtrl.setVersion(d, VERSION);
                IdCtrl.setRtd3eMicros(d, config.rtd3eMicros()); // the shutdown bound
                IdCtrl.setEntrySizes(d, Sqe.SIZE_LOG2, Cqe.SIZE_LOG2);
                IdCtrl.setNamespaces(d, config.namespaces().size());
                IdCtrl.setOncs(d, IdCtrl.ONCS_DSM | IdCtrl.ONCS_WRITE_ZEROES);
            }
            case NAMESPACE -> {
                if (nsid < 1 || nsid > config.namespaces().size()) {
                    return StatusCode.INVALID_NAMESPACE_OR_FORMAT.withDnr();
                }
                FakeNamespace ns = config.namespaces().get(nsid - 1);
                IdNs.setSize(d, ns.blocks(), ns.blocks(), ns.blocks());
                // As QEMU lays it out: NLBAF 0's based; FLBAS index bits 3:0, extended LBA bit 4, index bits 5:4
                // in bits 6:5; MC extended and separate; DPC every type, first or last; DPS the type in use.
                IdNs.setFormats(d, ns.formats().size());
                IdNs.setFlbas(d, IdNs.flbasOf(ns.formatIndex(), ns.extended()));
                IdNs.setMetadataCapabilities(d, IdNs.MC_EXTENDED | IdNs.MC_SEPARATE);
                IdNs.setProtectionCapabilities(d, IdNs.DPC_ALL);
                IdNs.setProtectionSettings(d, ns.piType() | (ns.piFirst() ? IdNs.DPS_FIRST : 0));
                for (int i = 0; i < ns.formats().size(); i++) {
                    LbaFormat f = ns.formats().get(i);
                    IdNs.setLbaf(
                            d,
                            i,
                            f.metadataSize(),
                            Integer.numberOfTrailingZeros(f.dataSize()),
                            f.relativePerformance());
                }
            }
            case ACTIVE_NAMESPACES -> {
                int at = 0;
                for (int i = nsid + 1; i <= config.namespaces().size(); i++) {
                    IdNs.setActiveNsid(d, at++, i);
                }
            }
            default -> {
                return StatusCode.INVALID_FIELD.withDnr();
            }
        }
        return 0;
    }
}
