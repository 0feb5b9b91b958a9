package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import org.dma4j.nvme.spec.SmartLogPage;

/**
 * The SMART / Health Information log page (Log Identifier 02h), the fields people look at.
 * Counters of 128 bits are read as their low 64 bits.
 */
public record SmartLog(
        int criticalWarning,
        int temperatureKelvin,
        int availableSpare,
        int percentageUsed,
        long dataUnitsRead,
        long dataUnitsWritten,
        long hostReads,
        long hostWrites,
        long powerCycles,
        long powerOnHours,
        long unsafeShutdowns,
        long mediaErrors) {
    static SmartLog parse(MemorySegment d) {
        return new SmartLog(
                SmartLogPage.criticalWarning(d),
                SmartLogPage.compositeTemperature(d),
                SmartLogPage.availableSpare(d),
                SmartLogPage.percentageUsed(d),
                SmartLogPage.dataUnitsRead(d),
                SmartLogPage.dataUnitsWritten(d),
                SmartLogPage.hostReadCommands(d),
                SmartLogPage.hostWriteCommands(d),
                SmartLogPage.powerCycles(d),
                SmartLogPage.powerOnHours(d),
                SmartLogPage.unsafeShutdowns(d),
                SmartLogPage.mediaErrors(d));
    }
}
