package org.dma4j.iommu;

import static org.dma4j.linux.gen.libc.libc_h.O_RDWR;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.dma4j.Dma4jException;
import org.dma4j.linux.Fd;

/**
 * A VFIO container ({@code /dev/vfio/vfio}) and the IOMMU groups in it: what the two group-based
 * spaces (type1 and no-IOMMU) share. The first group goes in before the IOMMU type is set (VFIO
 * needs one); later groups join the container as it is ({@code VFIO_GROUP_SET_CONTAINER}), so
 * every device of every group shares the container's mappings. A group stays in until the space
 * closes, whichever of its devices close before. Not thread-safe: its space's lock guards it.
 */
final class VfioContainer {
    private final Fd container;
    /** The group device of group N, e.g. {@code /dev/vfio/N} or {@code /dev/vfio/noiommu-N}. */
    private final IntFunction<String> groupPath;
    /** Why a group's device is missing, with what to do: for the error. */
    private final IntFunction<String> missing;
    /** Group number -> its open group file, in joining order. */
    private final Map<Integer, Fd> groups = new LinkedHashMap<>();

    VfioContainer(Fd container, IntFunction<String> groupPath, IntFunction<String> missing) {
        this.container = container;
        this.groupPath = groupPath;
        this.missing = missing;
    }

    /**
     * Opens a container with group {@code first} in it and sets the IOMMU type with
     * {@code setIommu}, which may check extensions first. Undone on failure.
     */
    static VfioContainer open(
            int first,
            IntFunction<String> groupPath,
            IntFunction<String> missing,
            java.util.function.Consumer<Fd> setIommu) {
        checkExists(first, groupPath, missing);
        Fd fd = Fd.open("/dev/vfio/vfio", O_RDWR());
        VfioContainer c = new VfioContainer(fd, groupPath, missing);
        try {
            c.join(first);
            setIommu.accept(fd);
            return c;
        } catch (RuntimeException e) {
            try {
                c.close();
            } catch (RuntimeException s) {
                e.addSuppressed(s);
            }
            throw e;
        }
    }

    private static void checkExists(int group, IntFunction<String> groupPath, IntFunction<String> missing) {
        if (!Files.exists(Path.of(groupPath.apply(group)))) {
            throw new Dma4jException(missing.apply(group));
        }
    }

    /** For tests: a container whose first group is already open. */
    void adopt(int group, Fd fd) {
        groups.put(group, fd);
    }

    Fd fd() {
        return container;
    }

    /** The groups in the container, in joining order. */
    List<Integer> groups() {
        return List.copyOf(groups.keySet());
    }

    /** Puts group {@code n} into the container unless it is in already; returns whether it joined now. */
    boolean join(int n) {
        if (groups.containsKey(n)) {
            return false;
        }
        checkExists(n, groupPath, missing);
        Fd group = VfioGroups.open(groupPath.apply(n), n);
        try {
            VfioGroups.setContainer(group, container);
        } catch (RuntimeException e) {
            group.close();
            throw e;
        }
        groups.put(n, group);
        return true;
    }

    /** VFIO_GROUP_GET_DEVICE_FD for {@code bdf} of group {@code n}, which must have joined. */
    Fd openDevice(int n, String bdf) {
        return VfioGroups.openDevice(groups.get(n), n, bdf);
    }

    /** Closes the groups (last joined first: each leaves the container) and then the container. */
    void close() {
        RuntimeException first = null;
        List<Fd> open = new ArrayList<>(groups.values());
        groups.clear();
        for (Fd g : open.reversed()) {
            try {
                g.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        try {
            container.close();
        } catch (RuntimeException e) {
            if (first == null) {
                first = e;
            } else {
                first.addSuppressed(e);
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
