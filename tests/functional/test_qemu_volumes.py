"""Volumes in real guests: the file backend's qcow2 volumes hot-plugged over QMP into guests
of `nimbus up --real`, driven by the unmodified `openstack` CLI and read back inside the guest.

Encrypted volumes are LUKS inside their qcow2: the guest reads and writes plain bytes, the
volume's file on the host holds none of them, and copies open with copies of the key.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support import guests
from tests.support.cloud_process import CloudProcess
from tests.support.guests import ssh as _ssh
from tests.support.guests import until as _until
from tests.support.guests import volume_status as _volume_status
from tests.support.guests import wait as _wait

COVERS = [("volume", "file driver: a volume's bytes survive detach and attach to another "
                     "server (QMP hot-plug), and take a file system there"),
          ("volume", "file driver: online extend through QMP block_resize, seen in the "
                     "guest; revert to snapshot; upload to image (openstack CLI)"),
          ("volume", "file driver: an encrypted volume (LUKS type, openstack CLI) is plain "
                     "in the guest and ciphertext on the host; reattach and a copy from its "
                     "snapshot read the same bytes")]

pytestmark = [pytest.mark.functional, pytest.mark.guests]
MARKER = "nimbus-plain-bytes-0123456789"


@pytest.fixture(scope="module")
def real_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    for cloud in guests.real_cloud(tmp_path_factory):
        cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                        "--key-name", "k", "--network", "private", "--wait", "vm1")
        yield cloud


def _new_disk(cloud: CloudProcess, server: str, before: set[str], present: bool = True) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = set(_ssh(cloud, server, "ls /dev/vd?").split())
        if present and now - before:
            return sorted(now - before)[0]
        if not present and now == before:
            return ""
        time.sleep(1)
    raise AssertionError(f"{server}: disks did not change as expected from {before}")


def test_a_volume_keeps_its_bytes_across_servers(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    real_cloud.openstack("volume", "create", "--size", "1", "data")
    _volume_status(real_cloud, "data", "available")
    real_cloud.openstack("server", "create", "--image", "nimbus-guest-alt", "--flavor",
                         "m1.tiny", "--key-name", "k", "--network", "private", "--wait", "vm-b")
    first = set(_ssh(real_cloud, "vm1", "ls /dev/vd?").split())
    real_cloud.openstack("server", "add", "volume", "vm1", "data")
    _volume_status(real_cloud, "data", "in-use")
    dev = _new_disk(real_cloud, "vm1", first)
    _ssh(real_cloud, "vm1", f"echo volume-bytes-kept | dd of={dev} bs=512 count=1 conv=sync; "
                            "sync")
    real_cloud.openstack("server", "remove", "volume", "vm1", "data")
    _volume_status(real_cloud, "data", "available")
    _new_disk(real_cloud, "vm1", first, present=False)
    second = set(_ssh(real_cloud, "vm-b", "ls /dev/vd?").split())
    real_cloud.openstack("server", "add", "volume", "vm-b", "data")
    _volume_status(real_cloud, "data", "in-use")
    dev = _new_disk(real_cloud, "vm-b", second)
    assert _ssh(real_cloud, "vm-b", f"dd if={dev} bs=512 count=1 2>/dev/null | head -n 1")\
        .strip() == "volume-bytes-kept"
    out = _ssh(real_cloud, "vm-b", f"mkfs -t ext2 {dev} >/dev/null && mount {dev} /mnt && "
                                   "echo on-a-file-system > /mnt/f && cat /mnt/f && umount /mnt")
    assert out.strip() == "on-a-file-system"
    real_cloud.openstack("server", "remove", "volume", "vm-b", "data")
    _volume_status(real_cloud, "data", "available")
    real_cloud.openstack("server", "delete", "--wait", "vm-b")
    real_cloud.openstack("volume", "delete", "data")


def _sectors(cloud: CloudProcess, server: str, dev: str) -> int:
    return int(_ssh(cloud, server, f"cat /sys/block/{dev.rsplit('/', 1)[-1]}/size"))


def test_a_volume_grows_online_reverts_and_uploads(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    real_cloud.openstack("volume", "create", "--size", "1", "grow")
    _volume_status(real_cloud, "grow", "available")
    first = set(_ssh(real_cloud, "vm1", "ls /dev/vd?").split())
    real_cloud.openstack("server", "add", "volume", "vm1", "grow")
    _volume_status(real_cloud, "grow", "in-use")
    dev = _new_disk(real_cloud, "vm1", first)
    _ssh(real_cloud, "vm1", f"echo before-snapshot | dd of={dev} bs=512 count=1 conv=sync; sync")
    # Online extend: the guest's QEMU grows the file it holds, and the guest sees 2 GiB.
    real_cloud.openstack("--os-volume-api-version", "3.42", "volume", "set", "--size", "2",
                         "grow")
    _volume_status(real_cloud, "grow", "in-use")
    assert real_cloud.openstack_json("volume", "show", "grow")["size"] == 2
    _until(lambda: _sectors(real_cloud, "vm1", dev) * 512 == 2 * 1024 ** 3)
    # At 3.66+ the client drops --force while its SDK still asks at 3.65, where an in-use
    # volume needs it (so would Cinder): name the version, and --force goes through.
    real_cloud.openstack("--os-volume-api-version", "3.65", "volume", "snapshot", "create",
                         "--volume", "grow", "--force", "grow-snap")
    deadline = time.monotonic() + 90
    while real_cloud.openstack_json("volume", "snapshot", "show",
                                    "grow-snap")["status"] != "available":
        assert time.monotonic() < deadline, "the snapshot never became available"
        time.sleep(1)
    _ssh(real_cloud, "vm1", f"echo after-snapshot | dd of={dev} bs=512 count=1 conv=sync; sync")
    real_cloud.openstack("server", "remove", "volume", "vm1", "grow")
    _volume_status(real_cloud, "grow", "available")
    _new_disk(real_cloud, "vm1", first, present=False)
    # Revert to the snapshot: the bytes written after it are gone.
    real_cloud.openstack("--os-volume-api-version", "3.40", "volume", "revert", "grow-snap")
    _volume_status(real_cloud, "grow", "available")
    # Upload to an image: a raw image of the volume's 2 GiB.
    real_cloud.openstack("image", "create", "--volume", "grow", "--disk-format", "raw",
                         "grow-image")
    _volume_status(real_cloud, "grow", "available")
    deadline = time.monotonic() + 120
    image: dict[str, object] = {}
    while image.get("status") != "active":
        assert time.monotonic() < deadline, f"the upload never finished: {image}"
        time.sleep(1)
        image = real_cloud.openstack_json("image", "show", "grow-image")
    assert image["size"] == 2 * 1024 ** 3 and image["disk_format"] == "raw"
    real_cloud.openstack("server", "add", "volume", "vm1", "grow")
    _volume_status(real_cloud, "grow", "in-use")
    dev = _new_disk(real_cloud, "vm1", first)
    assert _ssh(real_cloud, "vm1", f"dd if={dev} bs=512 count=1 2>/dev/null | head -n 1")\
        .strip() == "before-snapshot"
    real_cloud.openstack("server", "remove", "volume", "vm1", "grow")
    _volume_status(real_cloud, "grow", "available")
    real_cloud.openstack("image", "delete", "grow-image")
    real_cloud.openstack("volume", "snapshot", "delete", "grow-snap")
    real_cloud.openstack("volume", "delete", "--purge", "grow")


def _volume_file(cloud: CloudProcess, name: str) -> bytes:
    volume_id = cloud.openstack_json("volume", "show", name)["id"]
    return (cloud.state_dir / "volumes" / f"volume-{volume_id}.qcow2").read_bytes()


def test_an_encrypted_volume_is_plain_inside_and_ciphertext_outside(
        real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    real_cloud.openstack("volume", "type", "create", "--encryption-provider", "luks",
                         "--encryption-cipher", "aes-xts-plain64", "--encryption-key-size",
                         "256", "--encryption-control-location", "front-end", "luks")
    real_cloud.openstack("volume", "create", "--type", "luks", "--size", "1", "secret")
    _volume_status(real_cloud, "secret", "available")
    assert real_cloud.openstack_json("volume", "show", "secret")["encrypted"] is True
    first = set(_ssh(real_cloud, "vm1", "ls /dev/vd?").split())
    real_cloud.openstack("server", "add", "volume", "vm1", "secret")
    _volume_status(real_cloud, "secret", "in-use")
    dev = _new_disk(real_cloud, "vm1", first)
    _ssh(real_cloud, "vm1", f"echo {MARKER} | dd of={dev} bs=512 count=1 conv=sync,fsync")
    assert _ssh(real_cloud, "vm1", f"dd if={dev} bs=512 count=1 2>/dev/null | head -n 1")\
        .strip() == MARKER
    # The guest's writes reach the file at once (no write cache): none of them in clear.
    stored = _volume_file(real_cloud, "secret")
    assert MARKER.encode() not in stored and b"LUKS" in stored
    real_cloud.openstack("server", "remove", "volume", "vm1", "secret")
    _volume_status(real_cloud, "secret", "available")
    _new_disk(real_cloud, "vm1", first, present=False)
    # A copy from its snapshot, larger: its own key id, the same bytes, grown with the key.
    real_cloud.openstack("volume", "snapshot", "create", "--volume", "secret", "secret-snap")
    deadline = time.monotonic() + 90
    while real_cloud.openstack_json("volume", "snapshot", "show",
                                    "secret-snap")["status"] != "available":
        assert time.monotonic() < deadline, "the snapshot never became available"
        time.sleep(1)
    real_cloud.openstack("volume", "create", "--snapshot", "secret-snap", "--size", "2",
                         "secret-copy")
    _volume_status(real_cloud, "secret-copy", "available")
    real_cloud.openstack("server", "add", "volume", "vm1", "secret-copy")
    _volume_status(real_cloud, "secret-copy", "in-use")
    dev = _new_disk(real_cloud, "vm1", first)
    assert _ssh(real_cloud, "vm1", f"dd if={dev} bs=512 count=1 2>/dev/null | head -n 1")\
        .strip() == MARKER
    assert _sectors(real_cloud, "vm1", dev) * 512 == 2 * 1024 ** 3
    real_cloud.openstack("server", "remove", "volume", "vm1", "secret-copy")
    _volume_status(real_cloud, "secret-copy", "available")
    # And the original again, hot-plugged with its key fetched anew.
    real_cloud.openstack("server", "add", "volume", "vm1", "secret")
    _volume_status(real_cloud, "secret", "in-use")
    dev = _new_disk(real_cloud, "vm1", first)
    assert _ssh(real_cloud, "vm1", f"dd if={dev} bs=512 count=1 2>/dev/null | head -n 1")\
        .strip() == MARKER
    real_cloud.openstack("server", "remove", "volume", "vm1", "secret")
    _volume_status(real_cloud, "secret", "available")
    real_cloud.openstack("volume", "delete", "secret-copy")
    real_cloud.openstack("volume", "snapshot", "delete", "secret-snap")
    real_cloud.openstack("volume", "delete", "--purge", "secret")
