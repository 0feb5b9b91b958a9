/* Umbrella header for org.dma4j.linux.gen.libc: it only includes. _GNU_SOURCE for
 * memfd_create and MAP_HUGETLB; <asm-generic/hugetlb_encode.h> for the hugepage size
 * encodings shared by MAP_HUGE_* and MFD_HUGE_*. */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <asm-generic/hugetlb_encode.h>
