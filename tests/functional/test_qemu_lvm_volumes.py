"""A volume of the lvm backend in real guests: `nimbus up --real` with the volume agent on a
volume group of its own (a loop device), its volumes served over NBD by the backend's
qemu-storage-daemon and opened by the guests' QEMUs as NBD clients, driven by the unmodified
`openstack` CLI and read back inside the guests, on one compute host and then the other,
where it also grows while attached."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.support import guests
from tests.support.cloud_process import CloudProcess
from tests.support.loop_vg import loop_volume_group, missing

COVERS = [("volume", "lvm driver: a volume attached over NBD to a guest on one host keeps "
                     "what the guest wrote, detached and attached to a guest on the other "
                     "host, and grows online there (openstack CLI)")]

pytestmark = [pytest.mark.functional, pytest.mark.guests]
MARKER = "lvm-over-nbd-0123456789"


@pytest.fixture(scope="module")
def lvm_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    why = missing()
    if why is not None:
        pytest.skip(why)
    # The loop device goes last: the cloud's teardown kills the NBD daemon holding it (it
    # outlives its volume agent by design, and names the state dir).
    with loop_volume_group(tmp_path_factory.mktemp("lvm")) as group, guests.real_cloud(
            tmp_path_factory, env={"NIMBUS_VOLUME_DRIVER": "lvm",
                                   "NIMBUS_VOLUME_BACKEND": json.dumps(
                                       {"volume_group": group.name})}) as cloud:
        assert "volume:   lvm (volume group" in cloud.output(), cloud.output()[-2000:]
        yield cloud


def _hosts(cloud: CloudProcess) -> list[str]:
    services = cloud.openstack_json("compute", "service", "list", "--service", "nova-compute")
    return sorted(s["Host"] for s in services)


def _disks(cloud: CloudProcess, server: str) -> set[str]:
    return set(guests.ssh(cloud, server, "ls /dev/vd?").split())


def _new_disk(cloud: CloudProcess, server: str, before: set[str]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        added = _disks(cloud, server) - before
        if added:
            return sorted(added)[0]
        time.sleep(1)
    raise AssertionError(f"{server}: no new disk beside {before}")


def _disk_record(cloud: CloudProcess, server: str, volume_id: str) -> dict[str, object]:
    """How the guest's QEMU holds the volume, from the guest's record on its host."""
    uuid = cloud.openstack_json("server", "show", server)["id"]
    record = json.loads((cloud.state_dir / "instances" / guests.host_of(cloud, server) / uuid
                         / "guest.json").read_text())
    return next(d for d in record["disks"] if d.get("volume_id") == volume_id)


def test_an_lvm_volume_follows_its_data_from_host_to_host(lvm_cloud: CloudProcess) -> None:
    cloud = lvm_cloud
    first, second = _hosts(cloud)
    for name, host in (("lv-a", first), ("lv-b", second)):
        cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                        "--key-name", "k", "--network", "private", "--availability-zone",
                        f"nova:{host}", "--wait", name)
        guests.wait(cloud, name, "ACTIVE")
    cloud.openstack("volume", "create", "--size", "1", "lvdata")
    guests.volume_status(cloud, "lvdata", "available")
    volume = cloud.openstack_json("volume", "show", "lvdata")
    assert "@lvm" in volume["os-vol-host-attr:host"]
    before = _disks(cloud, "lv-a")
    cloud.openstack("server", "add", "volume", "lv-a", "lvdata")
    guests.volume_status(cloud, "lvdata", "in-use")
    dev = _new_disk(cloud, "lv-a", before)
    # The guest's QEMU is an NBD client of the volume host's export.
    where = _disk_record(cloud, "lv-a", volume["id"])["nbd"]
    assert isinstance(where, dict) and where["host"] == "127.0.0.1"
    assert where["export"] == f"volume-{volume['id']}"
    guests.ssh(cloud, "lv-a", f"echo {MARKER} | dd of={dev} bs=512 count=1 conv=sync; sync")
    cloud.openstack("server", "remove", "volume", "lv-a", "lvdata")
    guests.volume_status(cloud, "lvdata", "available")
    # On the other host, in another guest: what the first one wrote.
    before = _disks(cloud, "lv-b")
    cloud.openstack("server", "add", "volume", "lv-b", "lvdata")
    guests.volume_status(cloud, "lvdata", "in-use")
    dev = _new_disk(cloud, "lv-b", before)
    assert guests.ssh(cloud, "lv-b", f"dd if={dev} bs=512 count=1 2>/dev/null | head -n 1")\
        .strip() == MARKER
    # Grown while attached: the volume host grows the LV and serves it again, and the guest's
    # QEMU takes the new size up through a new connection.
    cloud.openstack("--os-volume-api-version", "3.42", "volume", "set", "--size", "2",
                    "lvdata")
    guests.volume_status(cloud, "lvdata", "in-use")
    assert cloud.openstack_json("volume", "show", "lvdata")["size"] == 2
    sectors = f"cat /sys/block/{dev.rsplit('/', 1)[-1]}/size"
    guests.until(lambda: int(guests.ssh(cloud, "lv-b", sectors)) * 512 == 2 * 1024 ** 3)
    assert guests.ssh(cloud, "lv-b", f"dd if={dev} bs=512 count=1 2>/dev/null | head -n 1")\
        .strip() == MARKER
    cloud.openstack("server", "remove", "volume", "lv-b", "lvdata")
    guests.volume_status(cloud, "lvdata", "available")
    cloud.openstack("volume", "delete", "lvdata")
    for name in ("lv-a", "lv-b"):
        cloud.openstack("server", "delete", "--wait", name)
