"""Volumes a volume host serves over NBD, in the qemu compute driver: the guest's record, the
command line at every start, hot-plug and unplug, and a grow that a new connection takes up
(recorded QMP), then the same against a real QEMU and a real export."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nimbus.compute.drivers.base import DriverError
from nimbus.compute.drivers.qemu import hotplug, nbd
from nimbus.compute.drivers.qemu.process import GuestProcess, free_port, free_vnc_port
from nimbus.core.hostid import machine_id
from nimbus.volume.drivers.nbd_export import NbdExports

COVERS = [("compute", "qemu driver: volumes over NBD (blockdev nbd), at start and hot-plug, "
                      "throttled, grown through a new connection")]

VOLUME = "6f1d2c3b-4a59-4e68-8d7f-0a1b2c3d4e5f"
NODE = hotplug.node_name(VOLUME)


def _info(port: int = 10809, qos: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"driver_volume_type": "nbd",
            "data": {"host": "127.0.0.1", "port": port, "export_name": f"volume-{VOLUME}",
                     "format": "raw", "volume_id": VOLUME, "name": f"volume-{VOLUME}",
                     "size": 1, "access_mode": "rw", "encrypted": False, "discard": True,
                     "qos_specs": qos}}


class RecordingGuest(GuestProcess):
    """A running guest whose QMP commands are recorded, with block nodes as QEMU keeps them."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory, "qemu-system-x86_64", "tcg")
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.plugged: set[str] = set()
        self.nodes: dict[str, int] = {}
        directory.mkdir(parents=True, exist_ok=True)
        self.save({"disks": [], "nics": []})

    def running(self) -> bool:
        return True

    def devices(self) -> set[str]:
        return set(self.plugged)

    def qmp(self, command: str, **args: Any) -> Any:
        self.sent.append((command, args))
        if command == "device_add":
            self.plugged.add(str(args["id"]))
        elif command == "device_del":
            self.plugged.discard(str(args["id"]))
        elif command == "blockdev-add":
            # A new connection sees what the volume host serves now: 2 GiB.
            self.nodes[str(args["node-name"])] = 2 * 1024 ** 3
        elif command == "blockdev-del":
            self.nodes.pop(str(args["node-name"]), None)
        elif command == "query-named-block-nodes":
            return [{"node-name": n, "image": {"virtual-size": size}}
                    for n, size in self.nodes.items()]
        return {}


def test_the_connector_names_the_machine() -> None:
    connector = hotplug.volume_connector("host-a")
    assert connector["host"] == "host-a" and connector["machine_id"] == machine_id()


def test_the_disk_record_and_the_command_line(tmp_path: Path) -> None:
    disk = hotplug.disk_for(_info(qos={"total_iops_sec": "300"}), "/dev/vdb")
    assert disk["nbd"] == {"host": "127.0.0.1", "port": 10809, "export": f"volume-{VOLUME}"}
    assert disk["nbd_node"] == f"{NODE}-n0" and len(disk["nbd_node"]) <= 31
    assert disk["throttle"] == {"iops": 300} and "path" not in disk
    guest = GuestProcess(tmp_path, "qemu-system-x86_64", "tcg")
    spec = {"name": "g", "uuid": "u", "vcpus": 1, "ram": 64, "vnc_port": 5901,
            "serial_port": 4000, "nics": [], "disks": [disk]}
    cmd = guest.command(spec)
    nodes = [json.loads(cmd[i + 1]) for i, arg in enumerate(cmd) if arg == "-blockdev"]
    assert nodes == [
        {"driver": "nbd", "node-name": f"{NODE}-n0",
         "server": {"type": "inet", "host": "127.0.0.1", "port": "10809"},
         "export": f"volume-{VOLUME}", "reconnect-delay": nbd.RECONNECT_DELAY,
         "read-only": False},
        {"driver": "raw", "node-name": NODE, "file": f"{NODE}-n0", "read-only": False}]
    assert any(a.startswith(f"virtio-blk-pci,drive={NODE},") for a in cmd)


@pytest.mark.parametrize("data", [{"host": "h", "port": "x", "export_name": "e"},
                                  {"host": "", "port": 1, "export_name": "e"},
                                  {"port": 1, "export_name": "e"}])
def test_a_broken_nbd_connection_info_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(DriverError):
        hotplug.disk_for({"driver_volume_type": "nbd", "data": {**data, "volume_id": VOLUME}},
                         "/dev/vdb")


def test_hot_plug_grow_and_unplug(tmp_path: Path) -> None:
    guest = RecordingGuest(tmp_path / "guest")
    hotplug.attach(guest, _info(qos={"read_iops_sec": "100"}), "/dev/vdb")
    added = [a["node-name"] for c, a in guest.sent if c == "blockdev-add"]
    assert added == [f"{NODE}-n0", NODE]
    commands = [c for c, _ in guest.sent]
    assert commands.index("block_set_io_throttle") > commands.index("device_add")
    # The volume host grew it: a second connection, the raw node moved onto it, resized.
    guest.sent.clear()
    hotplug.resize(guest, _info(), 2 * 1024 ** 3)
    assert [(c, a) for c, a in guest.sent if c != "query-named-block-nodes"] == [
        ("blockdev-add", nbd.client_spec(hotplug.disk_for(_info(), "/dev/vdb"), f"{NODE}-n1")),
        ("blockdev-reopen", {"options": [{"driver": "raw", "node-name": NODE,
                                          "file": f"{NODE}-n1", "read-only": False}]}),
        ("block_resize", {"node-name": NODE, "size": 2 * 1024 ** 3}),
        ("blockdev-del", {"node-name": f"{NODE}-n0"})]
    disk = json.loads((tmp_path / "guest" / "guest.json").read_text())["disks"][0]
    assert disk["nbd_node"] == f"{NODE}-n1"
    # A grow the volume host did not do yet is refused, and leaves nothing behind.
    with pytest.raises(DriverError, match="serves"):
        hotplug.resize(guest, _info(), 3 * 1024 ** 3)
    assert set(guest.nodes) == {NODE, f"{NODE}-n1"}
    hotplug.detach(guest, "/dev/vdb", 5)
    assert not guest.nodes and not guest.plugged


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[NbdExports, dict[str, Any], Path]]:
    """A 1 GiB raw volume served by a volume host's daemon."""
    data = tmp_path / "volume.raw"
    with data.open("wb") as f:
        f.truncate(1024 ** 3)
    exports = NbdExports(tmp_path / "nbd")
    node = {"driver": "raw", "file": {"driver": "file", "filename": str(data)}}
    where = exports.export(f"volume-{VOLUME}", node, writable=True, connector="host-a")
    try:
        yield exports, {**_info(int(where["port"]))}, data
    finally:
        exports.shutdown()


@pytest.mark.skipif(any(shutil.which(t) is None for t in ("qemu-system-x86_64",
                                                          "qemu-storage-daemon", "qemu-io")),
                    reason="needs qemu-system-x86_64, qemu-storage-daemon and qemu-io")
def test_a_real_qemu_takes_a_grown_export(served: tuple[NbdExports, dict[str, Any], Path],
                                          tmp_path: Path) -> None:
    exports, info, data = served
    guest = GuestProcess(tmp_path / "guest", "qemu-system-x86_64", "tcg")
    guest.dir.mkdir()
    # A machine with no disk to boot: its firmware waits, its QMP answers.
    spec = {"name": "nbd-test", "uuid": "00000000-0000-4000-8000-000000000001", "vcpus": 1,
            "ram": 64, "vnc_port": free_vnc_port(), "serial_port": free_port(), "nics": [],
            "disks": []}
    guest.save(spec)
    guest.start(spec)
    try:
        hotplug.attach(guest, info, "/dev/vdb")
        assert f"dev-{NODE}" in guest.devices()
        # The volume host grows the volume and serves it again at its new size.
        assert exports.withdraw(f"volume-{VOLUME}")
        with data.open("r+b") as f:
            f.truncate(2 * 1024 ** 3)
        exports.reinstate(f"volume-{VOLUME}")
        hotplug.resize(guest, info, 2 * 1024 ** 3)
        sizes = {n["node-name"]: n["image"]["virtual-size"]
                 for n in guest.qmp("query-named-block-nodes", flat=True)}
        assert sizes == {NODE: 2 * 1024 ** 3, f"{NODE}-n1": 2 * 1024 ** 3}
        # What the guest's disk reads is the volume's data.
        subprocess.run(["qemu-io", "-f", "raw", "-c", "write -P 0x5c 0 64k", str(data)],
                       capture_output=True, check=True)
        guest.qmp("human-monitor-command",
                  **{"command-line": f'qemu-io {NODE} "read -P 0x5c 0 64k"'})
        # QEMU's qemu-io command writes what it found to QEMU's own output.
        log = (guest.dir / "qemu.log").read_text()
        assert "read 65536/65536" in log and "fail" not in log.lower(), log
        # A start of its own again plugs it from the record (the second connection's name).
        guest.kill()
        guest.start(guest.spec())
        assert f"dev-{NODE}" in guest.devices()
    finally:
        guest.kill()
