package org.dma4j.linux;

import org.dma4j.linux.gen.iommufd.iommufd_h;
import org.dma4j.linux.gen.vfio.vfio_h;

/**
 * The VFIO and IOMMUFD ioctl requests dma4j issues. Every number comes from jextract, which
 * evaluates the {@code _IO(VFIO_TYPE, VFIO_BASE + n)} and {@code _IO(IOMMUFD_TYPE, IOMMUFD_CMD_*)}
 * macros of {@code <linux/vfio.h>} and {@code <linux/iommufd.h>}; the ABI test checks each against C.
 */
public final class Ioctls {
    private Ioctls() {}

    // <linux/vfio.h>: container, group, type1 IOMMU, device, device cdev
    public static final IoctlRequest VFIO_GET_API_VERSION =
            IoctlRequest.of("VFIO_GET_API_VERSION", vfio_h.VFIO_GET_API_VERSION());
    public static final IoctlRequest VFIO_CHECK_EXTENSION =
            IoctlRequest.of("VFIO_CHECK_EXTENSION", vfio_h.VFIO_CHECK_EXTENSION());
    public static final IoctlRequest VFIO_SET_IOMMU = IoctlRequest.of("VFIO_SET_IOMMU", vfio_h.VFIO_SET_IOMMU());
    public static final IoctlRequest VFIO_GROUP_GET_STATUS =
            IoctlRequest.of("VFIO_GROUP_GET_STATUS", vfio_h.VFIO_GROUP_GET_STATUS());
    public static final IoctlRequest VFIO_GROUP_SET_CONTAINER =
            IoctlRequest.of("VFIO_GROUP_SET_CONTAINER", vfio_h.VFIO_GROUP_SET_CONTAINER());
    public static final IoctlRequest VFIO_GROUP_UNSET_CONTAINER =
            IoctlRequest.of("VFIO_GROUP_UNSET_CONTAINER", vfio_h.VFIO_GROUP_UNSET_CONTAINER());
    public static final IoctlRequest VFIO_GROUP_GET_DEVICE_FD =
            IoctlRequest.of("VFIO_GROUP_GET_DEVICE_FD", vfio_h.VFIO_GROUP_GET_DEVICE_FD());
    public static final IoctlRequest VFIO_IOMMU_GET_INFO =
            IoctlRequest.of("VFIO_IOMMU_GET_INFO", vfio_h.VFIO_IOMMU_GET_INFO());
    public static final IoctlRequest VFIO_IOMMU_MAP_DMA =
            IoctlRequest.of("VFIO_IOMMU_MAP_DMA", vfio_h.VFIO_IOMMU_MAP_DMA());
    public static final IoctlRequest VFIO_IOMMU_UNMAP_DMA =
            IoctlRequest.of("VFIO_IOMMU_UNMAP_DMA", vfio_h.VFIO_IOMMU_UNMAP_DMA());
    public static final IoctlRequest VFIO_DEVICE_GET_INFO =
            IoctlRequest.of("VFIO_DEVICE_GET_INFO", vfio_h.VFIO_DEVICE_GET_INFO());
    public static final IoctlRequest VFIO_DEVICE_GET_REGION_INFO =
            IoctlRequest.of("VFIO_DEVICE_GET_REGION_INFO", vfio_h.VFIO_DEVICE_GET_REGION_INFO());
    public static final IoctlRequest VFIO_DEVICE_GET_IRQ_INFO =
            IoctlRequest.of("VFIO_DEVICE_GET_IRQ_INFO", vfio_h.VFIO_DEVICE_GET_IRQ_INFO());
    public static final IoctlRequest VFIO_DEVICE_SET_IRQS =
            IoctlRequest.of("VFIO_DEVICE_SET_IRQS", vfio_h.VFIO_DEVICE_SET_IRQS());
    public static final IoctlRequest VFIO_DEVICE_RESET =
            IoctlRequest.of("VFIO_DEVICE_RESET", vfio_h.VFIO_DEVICE_RESET());
    public static final IoctlRequest VFIO_DEVICE_FEATURE =
            IoctlRequest.of("VFIO_DEVICE_FEATURE", vfio_h.VFIO_DEVICE_FEATURE());
    public static final IoctlRequest VFIO_DEVICE_BIND_IOMMUFD =
            IoctlRequest.of("VFIO_DEVICE_BIND_IOMMUFD", vfio_h.VFIO_DEVICE_BIND_IOMMUFD());
    public static final IoctlRequest VFIO_DEVICE_ATTACH_IOMMUFD_PT =
            IoctlRequest.of("VFIO_DEVICE_ATTACH_IOMMUFD_PT", vfio_h.VFIO_DEVICE_ATTACH_IOMMUFD_PT());
    public static final IoctlRequest VFIO_DEVICE_DETACH_IOMMUFD_PT =
            IoctlRequest.of("VFIO_DEVICE_DETACH_IOMMUFD_PT", vfio_h.VFIO_DEVICE_DETACH_IOMMUFD_PT());

    // <linux/iommufd.h>
    public static final IoctlRequest IOMMU_DESTROY = IoctlRequest.of("IOMMU_DESTROY", iommufd_h.IOMMU_DESTROY());
    public static final IoctlRequest IOMMU_IOAS_ALLOC =
            IoctlRequest.of("IOMMU_IOAS_ALLOC", iommufd_h.IOMMU_IOAS_ALLOC());
    public static final IoctlRequest IOMMU_IOAS_IOVA_RANGES =
            IoctlRequest.of("IOMMU_IOAS_IOVA_RANGES", iommufd_h.IOMMU_IOAS_IOVA_RANGES());
    public static final IoctlRequest IOMMU_IOAS_ALLOW_IOVAS =
            IoctlRequest.of("IOMMU_IOAS_ALLOW_IOVAS", iommufd_h.IOMMU_IOAS_ALLOW_IOVAS());
    public static final IoctlRequest IOMMU_IOAS_MAP = IoctlRequest.of("IOMMU_IOAS_MAP", iommufd_h.IOMMU_IOAS_MAP());
    public static final IoctlRequest IOMMU_IOAS_COPY = IoctlRequest.of("IOMMU_IOAS_COPY", iommufd_h.IOMMU_IOAS_COPY());
    public static final IoctlRequest IOMMU_IOAS_UNMAP =
            IoctlRequest.of("IOMMU_IOAS_UNMAP", iommufd_h.IOMMU_IOAS_UNMAP());
    public static final IoctlRequest IOMMU_OPTION = IoctlRequest.of("IOMMU_OPTION", iommufd_h.IOMMU_OPTION());
    public static final IoctlRequest IOMMU_VFIO_IOAS = IoctlRequest.of("IOMMU_VFIO_IOAS", iommufd_h.IOMMU_VFIO_IOAS());
    public static final IoctlRequest IOMMU_GET_HW_INFO =
            IoctlRequest.of("IOMMU_GET_HW_INFO", iommufd_h.IOMMU_GET_HW_INFO());
}
