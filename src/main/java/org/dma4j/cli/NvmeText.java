package org.dma4j.cli;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.dma4j.nvme.IdentifyController;
import org.dma4j.nvme.Namespace;
import org.dma4j.nvme.NvmeController;
import org.dma4j.nvme.SmartLog;

/** How identify, smart and read print: text for people, JSON with the README's field names. */
final class NvmeText {
    private NvmeText() {}

    static String identify(NvmeController c) {
        IdentifyController id = c.identify();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                "controller %s (%s)%n",
                c.device().address(), c.device().dmaSpace().backend()));
        sb.append(String.format(
                "  model      %s%n  serial     %s%n  firmware   %s%n  vendor     %04x%n  version    %s%n",
                id.model(), id.serial(), id.firmware(), id.vendor(), c.version()));
        sb.append(String.format(
                "  max xfer   %d KiB (MDTS %d)%n  I/O queues %d granted, up to %d entries%n",
                c.maxTransferBytes() / 1024,
                id.mdts(),
                c.ioQueuesGranted(),
                c.cap().maxQueueEntries()));
        for (Namespace ns : c.namespaces()) {
            sb.append(String.format(
                    "  namespace %d: %d blocks of %d B = %.1f MiB, format %s (formats offered %s)%s%n",
                    ns.nsid(),
                    ns.blocks(),
                    ns.dataSize(),
                    ns.bytes() / (double) (1 << 20),
                    ns.describe(),
                    ns.formats(),
                    ns.isSupported() ? "" : "; dma4j cannot read or write it"));
        }
        return sb.toString();
    }

    static String identifyJson(NvmeController c, DeviceOptions.Target target) {
        IdentifyController id = c.identify();
        StringBuilder sb = new StringBuilder("{\"device\":")
                .append(Json.string(target.toString()))
                .append(",\"address\":")
                .append(Json.string(c.device().address().toString()))
                .append(",\"backend\":")
                .append(Json.string(c.device().dmaSpace().backend().id()))
                .append(",\"model\":")
                .append(Json.string(id.model()))
                .append(",\"serial\":")
                .append(Json.string(id.serial()))
                .append(",\"firmware\":")
                .append(Json.string(id.firmware()))
                .append(",\"vendor\":")
                .append(id.vendor())
                .append(",\"version\":")
                .append(Json.string(c.version()))
                .append(",\"mdts\":")
                .append(id.mdts())
                .append(",\"maxTransferBytes\":")
                .append(c.maxTransferBytes())
                .append(",\"ioQueuesGranted\":")
                .append(c.ioQueuesGranted())
                .append(",\"maxQueueEntries\":")
                .append(c.cap().maxQueueEntries())
                .append(",\"namespaces\":[");
        List<Namespace> all = c.namespaces();
        for (int i = 0; i < all.size(); i++) {
            Namespace ns = all.get(i);
            sb.append(i == 0 ? "" : ",")
                    .append("{\"nsid\":")
                    .append(ns.nsid())
                    .append(",\"blocks\":")
                    .append(ns.blocks())
                    .append(",\"capacity\":")
                    .append(ns.capacity())
                    .append(",\"blockSize\":")
                    .append(ns.blockSize())
                    .append(",\"dataSize\":")
                    .append(ns.dataSize())
                    .append(",\"metadataSize\":")
                    .append(ns.metadataSize())
                    .append(",\"extendedLba\":")
                    .append(ns.extendedLba())
                    .append(",\"protectionType\":")
                    .append(ns.protectionType())
                    .append(",\"supported\":")
                    .append(ns.isSupported())
                    .append(",\"bytes\":")
                    .append(ns.bytes())
                    .append(",\"formats\":[");
            for (int f = 0; f < ns.formats().size(); f++) {
                sb.append(f == 0 ? "" : ",")
                        .append(Json.string(ns.formats().get(f).toString()));
            }
            sb.append("]}");
        }
        return sb.append("]}\n").toString();
    }

    static String smart(SmartLog s) {
        return String.format(
                "  critical warning   %d%n  temperature        %d K (%d C)%n  available spare    %d %%%n"
                        + "  percentage used    %d %%%n  data units read    %d%n  data units written %d%n  host reads         %d%n"
                        + "  host writes        %d%n  power cycles       %d%n  power-on hours     %d%n  unsafe shutdowns   %d%n"
                        + "  media errors       %d%n",
                s.criticalWarning(),
                s.temperatureKelvin(),
                s.temperatureKelvin() - 273,
                s.availableSpare(),
                s.percentageUsed(),
                s.dataUnitsRead(),
                s.dataUnitsWritten(),
                s.hostReads(),
                s.hostWrites(),
                s.powerCycles(),
                s.powerOnHours(),
                s.unsafeShutdowns(),
                s.mediaErrors());
    }

    static String smartJson(SmartLog s) {
        return "{\"criticalWarning\":" + s.criticalWarning() + ",\"temperatureKelvin\":" + s.temperatureKelvin()
                + ",\"availableSparePercent\":" + s.availableSpare() + ",\"percentageUsed\":" + s.percentageUsed()
                + ",\"dataUnitsRead\":" + s.dataUnitsRead() + ",\"dataUnitsWritten\":" + s.dataUnitsWritten()
                + ",\"hostReads\":" + s.hostReads() + ",\"hostWrites\":" + s.hostWrites() + ",\"powerCycles\":"
                + s.powerCycles()
                + ",\"powerOnHours\":" + s.powerOnHours() + ",\"unsafeShutdowns\":" + s.unsafeShutdowns()
                + ",\"mediaErrors\":" + s.mediaErrors() + "}\n";
    }

    static String hexdump(MemorySegment s) {
        StringBuilder sb = new StringBuilder();
        for (long off = 0; off < s.byteSize(); off += 16) {
            sb.append(String.format("  %04x ", off));
            for (long i = off; i < Math.min(off + 16, s.byteSize()); i++) {
                sb.append(String.format(" %02x", s.get(ValueLayout.JAVA_BYTE, i)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String hex(MemorySegment s) {
        StringBuilder sb = new StringBuilder();
        for (long i = 0; i < s.byteSize(); i++) {
            sb.append(String.format("%02x", s.get(ValueLayout.JAVA_BYTE, i)));
        }
        return sb.toString();
    }
}
