/* Umbrella header for org.dma4j.linux.gen.iommufd: it only includes. <sys/ioctl.h> comes
 * first so that the _IO* macros exist when jextract evaluates the IOMMUFD ioctl numbers. */
#include <sys/ioctl.h>
#include <linux/iommufd.h>
