package org.dma4j.nvme.spec;

import static org.dma4j.nvme.spec.Layouts.at;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The SMART / Health Information log page, 512 bytes (Log Identifier 02h; NVMe Base
 * Specification 2.0, figure "SMART / Health Information Log Page"). Counters of 128 bits are
 * modelled by their low 64 bits (the field's name), the high half left as padding. Accessors
 * work on a segment holding the page at offset 0, aligned to 8 bytes.
 */
public final class SmartLogPage {
    private SmartLogPage() {}

    public static final int SIZE = 512;

    public static final StructLayout LAYOUT = Layouts.struct(
            "smart_log",
            SIZE,
            at(0, "criticalWarning", ValueLayout.JAVA_BYTE),
            at(1, "compositeTemperature", ValueLayout.JAVA_SHORT_UNALIGNED),
            at(3, "availableSpare", ValueLayout.JAVA_BYTE),
            at(4, "availableSpareThreshold", ValueLayout.JAVA_BYTE),
            at(5, "percentageUsed", ValueLayout.JAVA_BYTE),
            at(6, "enduranceGroupCriticalWarning", ValueLayout.JAVA_BYTE),
            at(32, "dataUnitsRead", ValueLayout.JAVA_LONG),
            at(48, "dataUnitsWritten", ValueLayout.JAVA_LONG),
            at(64, "hostReadCommands", ValueLayout.JAVA_LONG),
            at(80, "hostWriteCommands", ValueLayout.JAVA_LONG),
            at(96, "controllerBusyTime", ValueLayout.JAVA_LONG),
            at(112, "powerCycles", ValueLayout.JAVA_LONG),
            at(128, "powerOnHours", ValueLayout.JAVA_LONG),
            at(144, "unsafeShutdowns", ValueLayout.JAVA_LONG),
            at(160, "mediaErrors", ValueLayout.JAVA_LONG),
            at(176, "errorLogEntries", ValueLayout.JAVA_LONG),
            at(192, "warningTemperatureTime", ValueLayout.JAVA_INT),
            at(196, "criticalTemperatureTime", ValueLayout.JAVA_INT));

    private static final VarHandle CRITICAL_WARNING = Layouts.handle(LAYOUT, "criticalWarning");
    private static final VarHandle TEMPERATURE = Layouts.handle(LAYOUT, "compositeTemperature");
    private static final VarHandle AVAILABLE_SPARE = Layouts.handle(LAYOUT, "availableSpare");
    private static final VarHandle PERCENTAGE_USED = Layouts.handle(LAYOUT, "percentageUsed");
    private static final VarHandle DATA_UNITS_READ = Layouts.handle(LAYOUT, "dataUnitsRead");
    private static final VarHandle DATA_UNITS_WRITTEN = Layouts.handle(LAYOUT, "dataUnitsWritten");
    private static final VarHandle HOST_READS = Layouts.handle(LAYOUT, "hostReadCommands");
    private static final VarHandle HOST_WRITES = Layouts.handle(LAYOUT, "hostWriteCommands");
    private static final VarHandle POWER_CYCLES = Layouts.handle(LAYOUT, "powerCycles");
    private static final VarHandle POWER_ON_HOURS = Layouts.handle(LAYOUT, "powerOnHours");
    private static final VarHandle UNSAFE_SHUTDOWNS = Layouts.handle(LAYOUT, "unsafeShutdowns");
    private static final VarHandle MEDIA_ERRORS = Layouts.handle(LAYOUT, "mediaErrors");

    public static int criticalWarning(MemorySegment d) {
        return Byte.toUnsignedInt((byte) CRITICAL_WARNING.get(d, 0L));
    }

    /** Composite temperature in kelvins. */
    public static int compositeTemperature(MemorySegment d) {
        return Short.toUnsignedInt((short) TEMPERATURE.get(d, 0L));
    }

    public static void setCompositeTemperature(MemorySegment d, int kelvin) {
        TEMPERATURE.set(d, 0L, (short) kelvin);
    }

    /** Available spare, percent. */
    public static int availableSpare(MemorySegment d) {
        return Byte.toUnsignedInt((byte) AVAILABLE_SPARE.get(d, 0L));
    }

    public static void setAvailableSpare(MemorySegment d, int percent) {
        AVAILABLE_SPARE.set(d, 0L, (byte) percent);
    }

    /** Percentage of the rated life used (may exceed 100). */
    public static int percentageUsed(MemorySegment d) {
        return Byte.toUnsignedInt((byte) PERCENTAGE_USED.get(d, 0L));
    }

    /** Data units read (low 64 bits), in thousands of 512-byte units, rounded up (1: 1 to 512 000 bytes). */
    public static long dataUnitsRead(MemorySegment d) {
        return (long) DATA_UNITS_READ.get(d, 0L);
    }

    public static void setDataUnitsRead(MemorySegment d, long units) {
        DATA_UNITS_READ.set(d, 0L, units);
    }

    /** Data units written (low 64 bits), in thousands of 512-byte units. */
    public static long dataUnitsWritten(MemorySegment d) {
        return (long) DATA_UNITS_WRITTEN.get(d, 0L);
    }

    public static void setDataUnitsWritten(MemorySegment d, long units) {
        DATA_UNITS_WRITTEN.set(d, 0L, units);
    }

    /** Host read commands completed (low 64 bits). */
    public static long hostReadCommands(MemorySegment d) {
        return (long) HOST_READS.get(d, 0L);
    }

    public static void setHostReadCommands(MemorySegment d, long n) {
        HOST_READS.set(d, 0L, n);
    }

    /** Host write commands completed (low 64 bits). */
    public static long hostWriteCommands(MemorySegment d) {
        return (long) HOST_WRITES.get(d, 0L);
    }

    public static void setHostWriteCommands(MemorySegment d, long n) {
        HOST_WRITES.set(d, 0L, n);
    }

    public static long powerCycles(MemorySegment d) {
        return (long) POWER_CYCLES.get(d, 0L);
    }

    public static long powerOnHours(MemorySegment d) {
        return (long) POWER_ON_HOURS.get(d, 0L);
    }

    public static long unsafeShutdowns(MemorySegment d) {
        return (long) UNSAFE_SHUTDOWNS.get(d, 0L);
    }

    /** Media and data integrity errors (low 64 bits). */
    public static long mediaErrors(MemorySegment d) {
        return (long) MEDIA_ERRORS.get(d, 0L);
    }
}
