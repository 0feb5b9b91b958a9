package org.dma4j.mem;

import static org.dma4j.linux.gen.libc.libc_h.O_RDONLY;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;
import org.dma4j.PageSize;
import org.dma4j.PhysAddr;
import org.dma4j.linux.Fd;

/**
 * Physical addresses of this process's memory from {@code /proc/self/pagemap}: one 64-bit
 * entry per 4 KiB virtual page, bit 63 "present", bits 0-54 the page frame number. Reads a
 * whole range's entries with one {@code pread} and never touches the memory itself (it may be
 * a device's registers, or read-only): a page that is not present is refused, as is the
 * "PFN reads as 0" case (no CAP_SYS_ADMIN), instead of returning a wrong address. DmaBuffer's
 * memory is always present (mlock, MAP_POPULATE and hugetlb populate it with real pages).
 * Hugepage-aware: a hugepage's frames are contiguous, so one entry per hugepage is enough.
 *
 * <p>The opener owns it and closes it. Not for concurrent use by several threads.
 */
public final class Pagemap implements AddressResolver, AutoCloseable {
    static final long PRESENT = 1L << 63;
    static final long PFN_MASK = (1L << 55) - 1;
    private static final long BASE = PageSize.SIZE_4K.bytes();
    /** Entries read per pread: 4096 entries cover 16 MiB of memory with a 32 KiB buffer. */
    private static final int CHUNK = 4096;

    private final Fd fd;
    /** The pread buffer, reused by every call (allocating and zeroing 32 KiB per call cost more than resolving one page). */
    private final Arena arena = Arena.ofShared();

    private final MemorySegment buf = arena.allocate(ValueLayout.JAVA_LONG, CHUNK);

    private Pagemap(Fd fd) {
        this.fd = fd;
    }

    /** Opens this process's pagemap. */
    public static Pagemap open() {
        return new Pagemap(Fd.open("/proc/self/pagemap", O_RDONLY()));
    }

    @Override
    public List<PhysAddr> resolvePages(MemorySegment range, PageSize pageSize) {
        long start = range.address() & -pageSize.bytes();
        long end = pageSize.alignUp(range.address() + Math.max(1, range.byteSize()));
        long perPage = pageSize.bytes() / BASE;
        long[] out = new long[(int) ((end - start) / pageSize.bytes())];
        int found = 0;
        long vpn = start / BASE;
        long lastVpn = end / BASE;
        while (vpn < lastVpn) {
            int n = (int) Math.min(CHUNK, lastVpn - vpn);
            long read = fd.pread(buf.asSlice(0, (long) n * Long.BYTES), vpn * Long.BYTES);
            if (read != (long) n * Long.BYTES) {
                throw new PagemapException("short read of " + fd.name() + " at page 0x" + Long.toHexString(vpn));
            }
            // One entry per pageSize page: every entry for 4 KiB pages, the first of each hugepage otherwise.
            long skip = perPage == 1 ? 0 : Math.floorMod(-(vpn - start / BASE), perPage);
            for (long i = skip; i < n; i += perPage) {
                out[found++] = frame(buf.getAtIndex(ValueLayout.JAVA_LONG, i), (vpn + i) * BASE);
            }
            vpn += n;
        }
        return new Frames(out);
    }

    /** Physical addresses as a list without an object per page until one is asked for. */
    private static final class Frames extends AbstractList<PhysAddr> implements RandomAccess {
        private final long[] addresses;

        Frames(long[] addresses) {
            this.addresses = addresses;
        }

        @Override
        public PhysAddr get(int index) {
            return new PhysAddr(addresses[index]);
        }

        @Override
        public int size() {
            return addresses.length;
        }
    }

    private static long frame(long entry, long vaddr) {
        if ((entry & PRESENT) == 0) {
            throw new PagemapException("page at 0x" + Long.toHexString(vaddr)
                    + " is not present in memory; populate and pin it first (a DmaBuffer is) before resolving it");
        }
        long pfn = entry & PFN_MASK;
        if (pfn == 0) {
            throw new PagemapException("physical addresses read as 0 from /proc/self/pagemap: reading them needs"
                    + " CAP_SYS_ADMIN; run as root (only the no-IOMMU mode needs physical addresses)");
        }
        return pfn * BASE;
    }

    @Override
    public void close() {
        if (fd.isOpen()) {
            fd.close();
            arena.close();
        }
    }
}
