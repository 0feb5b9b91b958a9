package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The SMART / Health Information log page (Log Identifier 02h), the fields people look at.
 * Counters of 128 bits are read as their low 64 bits.
 */
public record SmartLog(int criticalWarning, int temperatureKelvin, int availableSpare, int percentageUsed,
                       long dataUnitsRead, long dataUnitsWritten, long hostReads, long hostWrites, long powerCycles,
                       long powerOnHours, long unsafeShutdowns, long mediaErrors) {
    static SmartLog parse(MemorySegment d) {
        return new SmartLog(Byte.toUnsignedInt(d.get(ValueLayout.JAVA_BYTE, 0)),
                Short.toUnsignedInt(d.get(ValueLayout.JAVA_SHORT_UNALIGNED, 1)), Byte.toUnsignedInt(d.get(ValueLayout.JAVA_BYTE, 3)),
                Byte.toUnsignedInt(d.get(ValueLayout.JAVA_BYTE, 5)), d.get(ValueLayout.JAVA_LONG, 32), d.get(ValueLayout.JAVA_LONG, 48),
                d.get(ValueLayout.JAVA_LONG, 64), d.get(ValueLayout.JAVA_LONG, 80), d.get(ValueLayout.JAVA_LONG, 112),
                d.get(ValueLayout.JAVA_LONG, 128), d.get(ValueLayout.JAVA_LONG, 144), d.get(ValueLayout.JAVA_LONG, 160));
    }
}
