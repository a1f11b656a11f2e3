"""A volume's front-end QoS (Cinder's ``qos_specs`` in the connection info) becomes QEMU's I/O
throttle of the guest's disk: sent with ``block_set_io_throttle`` when the volume is hot-plugged
and again at every start, with the combinations QEMU refuses settled first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nimbus.compute.drivers.base import DriverError
from nimbus.compute.drivers.qemu import hotplug, throttle
from nimbus.compute.drivers.qemu.process import GuestProcess

COVERS = [("compute", "qemu driver: a volume's front-end QoS specs throttle its disk "
                      "(block_set_io_throttle at hot-plug and start)")]

VOLUME = "0b5e3b0c-7c57-4c6f-9a43-5d2b1f3e9a10"


class RecordingGuest(GuestProcess):
    """A running guest whose QMP commands are recorded (and answered as QEMU would)."""

    def __init__(self, directory: Path, refuse: str | None = None) -> None:
        super().__init__(directory, "qemu-system-x86_64", "tcg")
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.plugged: set[str] = set()
        self.refuse = refuse
        directory.mkdir(parents=True, exist_ok=True)
        self.save({"disks": [], "nics": []})

    def running(self) -> bool:
        return True

    def devices(self) -> set[str]:
        return set(self.plugged)

    def qmp(self, command: str, **args: Any) -> Any:
        self.sent.append((command, args))
        if command == self.refuse:
            raise DriverError(reason=f"QEMU refused {command}")
        if command == "device_add":
            self.plugged.add(str(args["id"]))
        if command == "device_del":
            self.plugged.discard(str(args["id"]))
        return [] if command == "query-named-block-nodes" else {}


def _info(qos_specs: dict[str, Any] | None) -> dict[str, Any]:
    return {"driver_volume_type": "file",
            "data": {"volume_id": VOLUME, "path": f"/volumes/volume-{VOLUME}.qcow2",
                     "format": "qcow2", "access_mode": "rw", "qos_specs": qos_specs}}


def test_hot_plug_throttles_the_device(tmp_path: Path) -> None:
    guest = RecordingGuest(tmp_path / "guest")
    hotplug.attach(guest, _info({"read_iops_sec": "2000", "write_bytes_sec": "1048576",
                                 "total_bytes_sec_max": "4096", "other": "x"}), "/dev/vdb")
    node = hotplug.node_name(VOLUME)
    commands = [c for c, _ in guest.sent]
    assert commands.index("block_set_io_throttle") > commands.index("device_add")
    sent = dict(guest.sent)["block_set_io_throttle"]
    # Every required limit is named, zero being "none"; a burst without its base is dropped.
    assert sent == {"id": f"/machine/peripheral/dev-{node}/virtio-backend", "bps": 0,
                    "bps_rd": 0, "bps_wr": 1048576, "iops": 0, "iops_rd": 2000, "iops_wr": 0}
    disk = json.loads((tmp_path / "guest" / "guest.json").read_text())["disks"][0]
    assert disk["throttle"] == {"iops_rd": 2000, "bps_wr": 1048576}


def test_no_front_end_specs_no_throttle(tmp_path: Path) -> None:
    guest = RecordingGuest(tmp_path / "guest")
    hotplug.attach(guest, _info(None), "/dev/vdb")
    assert "block_set_io_throttle" not in [c for c, _ in guest.sent]


def test_a_start_throttles_again(tmp_path: Path) -> None:
    guest = RecordingGuest(tmp_path / "guest")
    disk = hotplug.disk_for(_info({"total_iops_sec": "500", "total_iops_sec_max": "800"}),
                            "/dev/vdb")
    guest._throttle({"disks": [disk, {"id": "root", "path": "/r", "format": "qcow2"}]})
    assert guest.sent == [("block_set_io_throttle", {
        "id": f"/machine/peripheral/dev-{disk['id']}/virtio-backend", "bps": 0, "bps_rd": 0,
        "bps_wr": 0, "iops": 500,
        "iops_rd": 0, "iops_wr": 0, "iops_max": 800})]


def test_a_refused_throttle_fails_the_attach(tmp_path: Path) -> None:
    guest = RecordingGuest(tmp_path / "guest", refuse="block_set_io_throttle")
    with pytest.raises(DriverError):
        hotplug.attach(guest, _info({"total_iops_sec": "100"}), "/dev/vdb")
    # The device went again, and the guest's record does not keep the disk.
    assert not guest.plugged
    assert json.loads((tmp_path / "guest" / "guest.json").read_text())["disks"] == []


@pytest.mark.parametrize(("specs", "expected"), [
    # A total wins over its read/write split (QEMU takes one or the other).
    ({"total_bytes_sec": "100", "read_bytes_sec": "50", "read_bytes_sec_max": "80"},
     {"bps": 100}),
    # A burst below its base, or junk, is left out; size_iops_sec is the I/O size.
    ({"read_iops_sec": "100", "read_iops_sec_max": "50", "write_iops_sec": "-1",
      "size_iops_sec": "4096", "total_bytes_sec": "lots"},
     {"iops_rd": 100, "iops_size": 4096}),
    ({"write_iops_sec": "10", "write_iops_sec_max": "20", "write_iops_sec_max_length": "5"},
     {"iops_wr": 10, "iops_wr_max": 20, "iops_wr_max_length": 5}),
    ({}, {}),
    (None, {}),
])
def test_limits_are_what_qemu_accepts(specs: dict[str, Any] | None,
                                      expected: dict[str, int]) -> None:
    assert throttle.limits(specs) == expected
