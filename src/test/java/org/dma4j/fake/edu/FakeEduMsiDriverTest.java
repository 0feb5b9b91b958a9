package org.dma4j.fake.edu;

import org.dma4j.edu.EduDevice;
import org.dma4j.edu.EduDriverContract;
import org.dma4j.fake.FakeDmaSpace;
import org.dma4j.pci.PciAddress;
import org.dma4j.pci.PciDevice;

/** The edu driver contract on the fake edu, completions by MSI. */
class FakeEduMsiDriverTest extends EduDriverContract {
    @Override
    protected PciDevice openDevice() {
        return FakeEdu.device(PciAddress.parse("0000:00:07.0"), FakeDmaSpace.open(), new FakeEdu());
    }

    @Override
    protected void closeDevice(PciDevice d) {
        d.close();
        d.dmaSpace().close();
    }

    @Override
    protected EduDevice.Completion completion() {
        return EduDevice.Completion.MSI;
    }
}
