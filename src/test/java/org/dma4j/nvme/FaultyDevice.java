package org.dma4j.nvme;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.dma4j.Dma4jException;
import org.dma4j.Iova;
import org.dma4j.MemoryKind;
import org.dma4j.PageSize;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.fake.FakeNvme;
import org.dma4j.fake.FakePciDevice;
import org.dma4j.iommu.DmaAttr;
import org.dma4j.iommu.DmaDirection;
import org.dma4j.iommu.DmaMapException;
import org.dma4j.iommu.DmaMapping;
import org.dma4j.iommu.DmaSpace;
import org.dma4j.iommu.IovaRange;
import org.dma4j.mem.DmaBuffer;
import org.dma4j.pci.Bar;
import org.dma4j.pci.Interrupts;
import org.dma4j.pci.IrqType;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/**
 * The fake NVMe controller behind a device and a DMA space that count every operation a driver
 * can see fail (BAR and config access, enabling vectors, allocating and mapping DMA memory) and
 * throw at operation n: once, or from n on (a device that went away). It tracks what the driver
 * still holds: vectors enabled and buffers allocated. A "physical" one has the memory rules of
 * no-IOMMU, where the device sees physical addresses: it allocates 2 MiB hugepages and maps
 * only hugepage memory, and no range that spans two hugepages (they need not be adjacent).
 */
final class FaultyDevice implements PciDevice {
    /** The injected failure. */
    static final class Injected extends Dma4jException {
        private static final long serialVersionUID = 1L;

        Injected(int step, String what) {
            super("injected failure at step " + step + ": " + what);
        }
    }

    final FakeDmaSpace fakeSpace = FakeDmaSpace.open();
    final FakeNvme nvme = new FakeNvme(FakeNvme.Config.defaults());
    private final FakePciDevice inner = FakeNvme.device(PciAddress.parse("0000:00:09.0"), fakeSpace, nvme);
    private final Space space = new Space();
    final List<DmaBuffer> buffers = new ArrayList<>();
    private int steps;
    private int failAt;
    private boolean sticky;
    private int liveVectors;
    /** The first failure thrown. */
    Injected thrown;

    private final boolean physical;

    FaultyDevice() {
        this(false);
    }

    FaultyDevice(boolean physical) {
        this.physical = physical;
    }

    /** Fails operation {@code n} (counted from now), and every later one if {@code sticky}. */
    void failAt(int n, boolean sticky) {
        this.failAt = steps + n;
        this.sticky = sticky;
    }

    /** Operations counted so far. */
    int steps() {
        return steps;
    }

    int liveVectors() {
        return liveVectors;
    }

    long openBuffers() {
        return buffers.stream().filter(DmaBuffer::isOpen).count();
    }

    private void step(String what) {
        steps++;
        if (failAt > 0 && (steps == failAt || sticky && steps > failAt)) {
            Injected e = new Injected(steps, what);
            if (thrown == null) {
                thrown = e;
            }
            throw e;
        }
    }

    @Override
    public PciAddress address() {
        return inner.address();
    }

    @Override
    public int configRead(int offset, int width) {
        step("config read 0x" + Integer.toHexString(offset));
        return inner.configRead(offset, width);
    }

    @Override
    public void configWrite(int offset, int width, int value) {
        step("config write 0x" + Integer.toHexString(offset));
        inner.configWrite(offset, width, value);
    }

    @Override
    public DmaBuffer barMemory(int index) {
        return inner.barMemory(index);
    }

    @Override
    public Bar bar(int index) {
        Bar b = inner.bar(index);
        return new Bar() {
            @Override
            public int index() {
                return b.index();
            }

            @Override
            public long size() {
                return b.size();
            }

            @Override
            public int read8(long off) {
                step("BAR read 0x" + Long.toHexString(off));
                return b.read8(off);
            }

            @Override
            public int read16(long off) {
                step("BAR read 0x" + Long.toHexString(off));
                return b.read16(off);
            }

            @Override
            public int read32(long off) {
                step("BAR read 0x" + Long.toHexString(off));
                return b.read32(off);
            }

            @Override
            public long read64(long off) {
                step("BAR read 0x" + Long.toHexString(off));
                return b.read64(off);
            }

            @Override
            public void write8(long off, int v) {
                step("BAR write 0x" + Long.toHexString(off));
                b.write8(off, v);
            }

            @Override
            public void write16(long off, int v) {
                step("BAR write 0x" + Long.toHexString(off));
                b.write16(off, v);
            }

            @Override
            public void write32(long off, int v) {
                step("BAR write 0x" + Long.toHexString(off));
                b.write32(off, v);
            }

            @Override
            public void write64(long off, long v) {
                step("BAR write 0x" + Long.toHexString(off));
                b.write64(off, v);
            }
        };
    }

    @Override
    public int interruptCount(IrqType type) {
        return inner.interruptCount(type);
    }

    @Override
    public Interrupts enableInterrupts(IrqType type, int count) {
        step("enable " + count + " " + type + " vectors");
        Interrupts i = inner.enableInterrupts(type, count);
        liveVectors += count;
        return new Interrupts() {
            private boolean closed;

            @Override
            public IrqType type() {
                return i.type();
            }

            @Override
            public int count() {
                return i.count();
            }

            @Override
            public long poll(int vector) {
                return i.poll(vector);
            }

            @Override
            public long await(int vector, Duration timeout) {
                return i.await(vector, timeout);
            }

            @Override
            public void unmask(int vector) {
                i.unmask(vector);
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    liveVectors -= count;
                }
                i.close();
            }
        };
    }

    @Override
    public void reset() {
        inner.reset();
    }

    @Override
    public DmaSpace dmaSpace() {
        return space;
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    /** Closes the fake device and its space (which reports leaked mappings). */
    @Override
    public void close() {
        inner.close();
        fakeSpace.close();
    }

    /** The fake space, with allocate and map counted. */
    private final class Space implements DmaSpace {
        @Override
        public void setDmaMask(String device, org.dma4j.iommu.DmaMask mask) {
            fakeSpace.setDmaMask(device, mask);
        }

        @Override
        public void clearDmaMask(String device) {
            fakeSpace.clearDmaMask(device);
        }

        @Override
        public org.dma4j.iommu.DmaMask dmaMask(String device) {
            return fakeSpace.dmaMask(device);
        }

        @Override
        public org.dma4j.iommu.DmaMask dmaMask() {
            return fakeSpace.dmaMask();
        }

        @Override
        public DmaBuffer allocate(long bytes) {
            step("allocate " + bytes + " bytes");
            DmaBuffer b = physical ? DmaBuffer.allocate(bytes, PageSize.SIZE_2M) : fakeSpace.allocate(bytes);
            buffers.add(b);
            return b;
        }

        @Override
        public DmaMapping map(
                DmaBuffer buffer, long offset, long length, DmaDirection direction, Iova iova, DmaAttr... attrs) {
            step("map " + length + " bytes");
            long huge = PageSize.SIZE_2M.bytes();
            if (physical
                    && (buffer.kind() != MemoryKind.HUGEPAGE_RAM || offset / huge != (offset + length - 1) / huge)) {
                throw new DmaMapException.InvalidRequest("physical addressing: " + length + " bytes at offset " + offset
                        + " of " + buffer + " are not inside one hugepage");
            }
            return fakeSpace.map(buffer, offset, length, direction, iova, attrs);
        }

        @Override
        public DmaMapping map(
                MemorySegment memory, MemoryKind kind, DmaDirection direction, Iova iova, DmaAttr... attrs) {
            step("map " + memory.byteSize() + " bytes");
            return fakeSpace.map(memory, kind, direction, iova, attrs);
        }

        @Override
        public void unmap(DmaMapping mapping) {
            fakeSpace.unmap(mapping);
        }

        @Override
        public void unmap(Iova iova, long length) {
            fakeSpace.unmap(iova, length);
        }

        @Override
        public void unmapAll() {
            fakeSpace.unmapAll();
        }

        @Override
        public List<DmaMapping> mappings() {
            return fakeSpace.mappings();
        }

        @Override
        public List<IovaRange> iovaRanges() {
            return fakeSpace.iovaRanges();
        }

        @Override
        public Set<PageSize> pageSizes() {
            return fakeSpace.pageSizes();
        }

        @Override
        public org.dma4j.iommu.Backend backend() {
            return org.dma4j.iommu.Backend.FAKE;
        }

        @Override
        public void close() {
            fakeSpace.close();
        }
    }
}
