package org.dma4j.fake;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.dma4j.Dma4jException;
import org.dma4j.PageSize;
import org.dma4j.pci.PciAddress;

/**
 * QEMU's {@code ivshmem-plain} as a {@link DeviceModel}: BAR0 is 256 bytes of registers
 * (interrupt mask and status, IVPosition, doorbell; plain ivshmem has no peers, so the doorbell
 * rings nobody), BAR2 is the shared memory, a plain memory BAR. So it is the peer-to-peer target
 * of the fake: {@link FakePciDevice#barMemory}{@code (2)} hands BAR2 out as MMIO, another fake
 * device's DMA lands in it through the fake IOMMU, and the driver sees the bytes through BAR2.
 * Backed by a file ({@link #ofFile}) it is also what QEMU's {@code memory-backend-file,share=on}
 * is: the bytes can be checked in the file. Thread-safe; BAR2 accesses are plain memory accesses.
 */
public final class FakeIvshmem implements DeviceModel {
    /** The PCI identity QEMU gives ivshmem: Red Hat, Inc. (virtio's vendor), device 0x1110, class RAM memory. */
    public static final int VENDOR = 0x1af4;

    public static final int DEVICE = 0x1110;
    public static final int CLASS = 0x050000;
    /** Where the registers and the shared memory are. */
    public static final int REGISTERS_BAR = 0;

    public static final int MEMORY_BAR = 2;
    /** The registers (QEMU's hw/misc/ivshmem.c): INTRMASK, INTRSTATUS, IVPOSITION, DOORBELL. */
    static final int INTRMASK = 0x00;

    static final int INTRSTATUS = 0x04;
    static final int IVPOSITION = 0x08;
    static final int DOORBELL = 0x0c;
    private static final long REGISTERS_SIZE = 256;

    private final MemorySegment shared;
    private final Arena arena;
    private int intrMask;
    private int intrStatus;

    private FakeIvshmem(MemorySegment shared, Arena arena) {
        this.shared = shared;
        this.arena = arena;
    }

    /** Shared memory of {@code bytes} in this process, zeroed: a power of two of at least 4 KiB, as QEMU wants. */
    public static FakeIvshmem ofSize(long bytes) {
        checkSize(bytes);
        Arena arena = Arena.ofShared();
        return new FakeIvshmem(arena.allocate(bytes, PageSize.SIZE_4K.bytes()), arena);
    }

    /**
     * Shared memory mapped from {@code file} ({@code MAP_SHARED}), created or extended to
     * {@code bytes}, as {@code -object memory-backend-file,share=on,mem-path=FILE}: what lands in
     * BAR2 lands in the file.
     */
    public static FakeIvshmem ofFile(Path file, long bytes) {
        checkSize(bytes);
        Arena arena = Arena.ofShared();
        try (FileChannel ch =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (ch.size() < bytes) {
                ch.write(ByteBuffer.allocate(1), bytes - 1); // extends it (sparse, zeroes) to the size
            }
            return new FakeIvshmem(ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena), arena);
        } catch (IOException e) {
            arena.close();
            throw new Dma4jException("cannot map " + file + " as ivshmem's shared memory", e);
        }
    }

    private static void checkSize(long bytes) {
        if (bytes < PageSize.SIZE_4K.bytes() || Long.bitCount(bytes) != 1) {
            throw new Dma4jException("ivshmem's shared memory must be a power of two of at least 4 KiB, not " + bytes
                    + " bytes (QEMU refuses other sizes for the BAR)");
        }
    }

    /** A fake PCI function around {@code model} on {@code space}; the caller closes it, then the space. */
    public static FakePciDevice device(PciAddress address, FakeDmaSpace space, FakeIvshmem model) {
        return new FakePciDevice(address, space, model, VENDOR, DEVICE, CLASS, 0);
    }

    @Override
    public long barSize(int index) {
        return switch (index) {
            case REGISTERS_BAR -> REGISTERS_SIZE;
            case MEMORY_BAR -> shared.byteSize();
            default -> 0;
        };
    }

    @Override
    public MemorySegment barMemory(int index) {
        return index == MEMORY_BAR ? shared : null;
    }

    @Override
    public synchronized long read(int bar, long offset, int width) {
        if (bar == MEMORY_BAR) {
            return readMemory(offset, width);
        }
        return switch ((int) offset) {
            case INTRMASK -> intrMask;
            case INTRSTATUS -> {
                int s = intrStatus; // reading clears it, as QEMU's ivshmem_IntrStatus_read
                intrStatus = 0;
                yield s;
            }
            case IVPOSITION -> 0; // plain ivshmem has no server, hence no peer number (QEMU reads 0 then)
            default -> 0;
        };
    }

    private long readMemory(long offset, int width) {
        return switch (width) {
            case 1 -> Byte.toUnsignedLong(shared.get(ValueLayout.JAVA_BYTE, offset));
            case 2 -> Short.toUnsignedLong(shared.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
            case 4 -> Integer.toUnsignedLong(shared.get(ValueLayout.JAVA_INT_UNALIGNED, offset));
            default -> shared.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
        };
    }

    @Override
    public synchronized void write(int bar, long offset, int width, long value) {
        if (bar == MEMORY_BAR) {
            switch (width) {
                case 1 -> shared.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
                case 2 -> shared.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short) value);
                case 4 -> shared.set(ValueLayout.JAVA_INT_UNALIGNED, offset, (int) value);
                default -> shared.set(ValueLayout.JAVA_LONG_UNALIGNED, offset, value);
            }
            return;
        }
        switch ((int) offset) {
            case INTRMASK -> intrMask = (int) value;
            case INTRSTATUS -> intrStatus = (int) value;
            default -> {} // IVPOSITION is read-only; the doorbell rings no peer on plain ivshmem
        }
    }

    @Override
    public void attach(DeviceContext context) {
        // ivshmem does no DMA and plain ivshmem raises no interrupt
    }

    /** Resets the registers; the shared memory keeps its contents, as it lives outside the device. */
    @Override
    public synchronized void reset() {
        intrMask = 0;
        intrStatus = 0;
    }

    /** Unmaps the shared memory (after {@link FakePciDevice} has undone every mapping of BAR2). */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
