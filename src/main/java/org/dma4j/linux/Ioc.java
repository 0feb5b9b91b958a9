package org.dma4j.linux;

import static org.dma4j.linux.gen.libc.libc_h._IOC_DIRSHIFT;
import static org.dma4j.linux.gen.libc.libc_h._IOC_NONE;
import static org.dma4j.linux.gen.libc.libc_h._IOC_NRSHIFT;
import static org.dma4j.linux.gen.libc.libc_h._IOC_READ;
import static org.dma4j.linux.gen.libc.libc_h._IOC_SIZEBITS;
import static org.dma4j.linux.gen.libc.libc_h._IOC_SIZESHIFT;
import static org.dma4j.linux.gen.libc.libc_h._IOC_TYPESHIFT;
import static org.dma4j.linux.gen.libc.libc_h._IOC_WRITE;

/**
 * The ioctl request encoding of {@code <asm-generic/ioctl.h>}. jextract drops function-like
 * macros, so each is written here, quoting the macro it replaces; the shifts and directions
 * themselves are jextract's constants. Results are the unsigned {@code long} the kernel takes.
 */
public final class Ioc {
    private Ioc() {}

    /**
     * {@code #define _IOC(dir,type,nr,size) (((dir) << _IOC_DIRSHIFT) | ((type) << _IOC_TYPESHIFT)
     * | ((nr) << _IOC_NRSHIFT) | ((size) << _IOC_SIZESHIFT))}
     */
    public static long ioc(int dir, int type, int nr, long size) {
        if (type < 0 || type > 0xff || nr < 0 || nr > 0xff || size < 0 || size >= (1L << _IOC_SIZEBITS())) {
            throw new IllegalArgumentException(
                    "ioctl encoding out of range: type=" + type + " nr=" + nr + " size=" + size);
        }
        return ((long) dir << _IOC_DIRSHIFT())
                | ((long) type << _IOC_TYPESHIFT())
                | ((long) nr << _IOC_NRSHIFT())
                | (size << _IOC_SIZESHIFT());
    }

    /** {@code #define _IO(type,nr) _IOC(_IOC_NONE,(type),(nr),0)} */
    public static long io(int type, int nr) {
        return ioc(_IOC_NONE(), type, nr, 0);
    }

    /** {@code #define _IOR(type,nr,size) _IOC(_IOC_READ,(type),(nr),(_IOC_TYPECHECK(size)))} */
    public static long ior(int type, int nr, long size) {
        return ioc(_IOC_READ(), type, nr, size);
    }

    /** {@code #define _IOW(type,nr,size) _IOC(_IOC_WRITE,(type),(nr),(_IOC_TYPECHECK(size)))} */
    public static long iow(int type, int nr, long size) {
        return ioc(_IOC_WRITE(), type, nr, size);
    }

    /** {@code #define _IOWR(type,nr,size) _IOC(_IOC_READ|_IOC_WRITE,(type),(nr),(_IOC_TYPECHECK(size)))} */
    public static long iowr(int type, int nr, long size) {
        return ioc(_IOC_READ() | _IOC_WRITE(), type, nr, size);
    }
}
