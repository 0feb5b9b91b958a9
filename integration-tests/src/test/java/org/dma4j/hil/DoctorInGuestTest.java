package org.dma4j.hil;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.dma4j.doctor.Check;
import org.dma4j.doctor.Check.Status;
import org.dma4j.doctor.Doctor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** `dma4j doctor` in the guest must see what the rig gave it. */
class DoctorInGuestTest {
    private static Map<String, Check> doctor() {
        return new Doctor().run().stream().collect(Collectors.toMap(Check::name, Function.identity()));
    }

    private static void assertStatus(Map<String, Check> c, String name, Status want) {
        assertEquals(want, c.get(name).status(), name + ": " + c.get(name).detail());
    }

    @Test
    @Tag("type1")
    void withTheIommuForType1() {
        Guest.require("type1");
        Map<String, Check> c = doctor();
        for (String n :
                new String[] {"kernel", "user", "iommu", "vfio-type1", "vfio-pci", "iommufd", "pagemap", "devices"}) {
            assertStatus(c, n, Status.OK);
        }
        org.junit.jupiter.api.Assertions.assertTrue(
                c.get("devices").detail().contains(Guest.nvmeBdf() + " (NVMe controller"),
                c.get("devices").detail());
        assertStatus(c, "no-iommu", Status.WARN);
    }

    @Test
    @Tag("iommufd")
    void withTheIommuForIommufd() {
        Guest.require("iommufd");
        Map<String, Check> c = doctor();
        assertStatus(c, "iommufd", Status.OK);
        assertStatus(c, "iommu", Status.OK);
    }

    @Test
    @Tag("noiommu")
    void withoutAnIommu() {
        Guest.require("noiommu");
        Map<String, Check> c = doctor();
        assertStatus(c, "no-iommu", Status.OK);
        assertStatus(c, "iommu", Status.MISSING);
        assertStatus(c, "vfio-type1", Status.OK);
        assertStatus(c, "pagemap", Status.OK);
    }
}
