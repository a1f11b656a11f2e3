"""The qemu compute driver: real guests, one QEMU process each (see ``driver.py``)."""

from nimbus.compute.drivers.qemu.driver import QemuDriver

DRIVER = QemuDriver
__all__ = ["DRIVER", "QemuDriver"]
