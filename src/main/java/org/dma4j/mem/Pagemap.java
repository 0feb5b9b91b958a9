package org.dma4j.mem;

import static org.dma4j.linux.gen.libc.libc_h.O_RDONLY;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
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
        List<PhysAddr> out = new ArrayList<>((int) ((end - start) / pageSize.bytes()));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(ValueLayout.JAVA_LONG, CHUNK);
            long vpn = start / BASE;
            long lastVpn = end / BASE;
            while (vpn < lastVpn) {
                int n = (int) Math.min(CHUNK, lastVpn - vpn);
                long read = fd.pread(buf.asSlice(0, (long) n * Long.BYTES), vpn * Long.BYTES);
                if (read != (long) n * Long.BYTES) {
                    throw new PagemapException("short read of " + fd.name() + " at page 0x" + Long.toHexString(vpn));
                }
                for (int i = 0; i < n; i++) {
                    long page = vpn + i;
                    if ((page * BASE - start) % pageSize.bytes() == 0 || perPage == 1) {
                        out.add(frame(buf.getAtIndex(ValueLayout.JAVA_LONG, i), page * BASE));
                    }
                }
                vpn += n;
            }
        }
        return out;
    }

    private static PhysAddr frame(long entry, long vaddr) {
        if ((entry & PRESENT) == 0) {
            throw new PagemapException("page at 0x" + Long.toHexString(vaddr)
                    + " is not present in memory; populate and pin it first (a DmaBuffer is) before resolving it");
        }
        long pfn = entry & PFN_MASK;
        if (pfn == 0) {
            throw new PagemapException("physical addresses read as 0 from /proc/self/pagemap: reading them needs"
                    + " CAP_SYS_ADMIN; run as root (only the no-IOMMU mode needs physical addresses)");
        }
        return new PhysAddr(pfn * BASE);
    }

    @Override
    public void close() {
        fd.close();
    }
}
