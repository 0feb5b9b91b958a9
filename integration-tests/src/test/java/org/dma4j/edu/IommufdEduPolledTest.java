package org.dma4j.edu;

import org.dma4j.hil.Guest;
import org.dma4j.iommu.DmaMask;
import org.dma4j.pci.PciDevice;
import org.junit.jupiter.api.Tag;

/** The edu driver contract on QEMU's edu through iommufd, completions by POLL. */
@Tag("iommufd")
class IommufdEduPolledTest extends EduDriverContract {
    @Override
    protected PciDevice openDevice() {
        Guest.require("iommufd");
        return GuestEdu.open("iommufd", 0);
    }

    @Override
    protected void closeDevice(PciDevice d) {
        GuestEdu.close(d);
    }

    @Override
    protected EduDevice.Completion completion() {
        return EduDevice.Completion.POLL;
    }

    @Override
    protected DmaMask dmaMask() {
        return GuestEdu.firstMask("iommufd");
    }
}
