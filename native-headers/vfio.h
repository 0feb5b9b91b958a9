/* Umbrella header for org.dma4j.linux.gen.vfio: it only includes. <sys/ioctl.h> comes
 * first so that the _IO* macros exist when jextract evaluates the VFIO ioctl numbers. */
#include <sys/ioctl.h>
#include <linux/vfio.h>
