"""Volumes in real guests: the file backend's qcow2 volumes hot-plugged over QMP into guests
of `nimbus up --real`, driven by the unmodified `openstack` CLI and read back inside the guest.

Encrypted volumes are LUKS inside their qcow2: the guest reads and writes plain bytes, the
volume's file on the host holds none of them, and copies open with copies of the key. Backups
(full and incremental) restored to new volumes read back in the guest as written, and a
front-end QoS spec holds the guest's reads to its rate.
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
                     "snapshot read the same bytes"),
          ("volume", "backups with a real guest: a file written in the guest reads back with "
                     "the same SHA-256 from a full and an incremental backup, each restored "
                     "to a new volume (openstack CLI)"),
          ("volume", "QoS specs: a front-end read_iops_sec, associated with a volume type, "
                     "holds a guest's direct reads of a volume of that type to its rate "
                     "(QMP block_set_io_throttle); a volume without one reads far faster")]

pytestmark = [pytest.mark.functional, pytest.mark.guests]
MARKER = "nimbus-plain-bytes-0123456789"


@pytest.fixture(scope="module")
def real_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    with guests.real_cloud(tmp_path_factory) as cloud:
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


def _attach(cloud: CloudProcess, server: str, volume: str, before: set[str]) -> str:
    cloud.openstack("server", "add", "volume", server, volume)
    _volume_status(cloud, volume, "in-use")
    return _new_disk(cloud, server, before)


def _detach(cloud: CloudProcess, server: str, volume: str) -> None:
    cloud.openstack("server", "remove", "volume", server, volume)
    _volume_status(cloud, volume, "available")


def _backup_status(cloud: CloudProcess, name: str, status: str) -> None:
    deadline = time.monotonic() + 180
    shown: dict[str, str] = {}
    while time.monotonic() < deadline:
        shown = cloud.openstack_json("volume", "backup", "show", name)
        if shown["status"] == status:
            return
        assert shown["status"] != "error", shown
        time.sleep(1)
    raise AssertionError(f"backup {name} is {shown.get('status')}, not {status}")


def _write_file(cloud: CloudProcess, dev: str, name: str, size: int, mkfs: bool = False) -> str:
    """A file of ``size`` random bytes on ``dev``'s file system, written in vm1; its SHA-256."""
    made = f"mkfs -t ext2 {dev} >/dev/null && " if mkfs else ""
    out = _ssh(cloud, "vm1", f"{made}mount {dev} /mnt && head -c {size} /dev/urandom > /mnt/{name}"
                             f" && sha256sum /mnt/{name} && umount /mnt && sync")
    return out.split()[0]


def _hashes(cloud: CloudProcess, dev: str) -> dict[str, str]:
    """The SHA-256 of each file on ``dev``'s file system, as the guest reads them."""
    out = _ssh(cloud, "vm1", f"mount -o ro {dev} /mnt && (cd /mnt && sha256sum first* second*"
                             " 2>/dev/null; true) && umount /mnt")
    return {line.split()[1]: line.split()[0] for line in out.splitlines() if line.strip()}


def test_backups_restore_to_new_volumes_that_read_the_same_in_the_guest(
        real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    real_cloud.openstack("volume", "create", "--size", "1", "kept")
    _volume_status(real_cloud, "kept", "available")
    first = set(_ssh(real_cloud, "vm1", "ls /dev/vd?").split())
    dev = _attach(real_cloud, "vm1", "kept", first)
    written = {"first": _write_file(real_cloud, dev, "first", 3 << 20, mkfs=True)}
    _detach(real_cloud, "vm1", "kept")
    real_cloud.openstack("volume", "backup", "create", "--name", "kept-full", "kept")
    _backup_status(real_cloud, "kept-full", "available")
    _volume_status(real_cloud, "kept", "available")
    # More data, and an incremental backup that holds only the chunks it changed.
    dev = _attach(real_cloud, "vm1", "kept", first)
    later = {**written, "second": _write_file(real_cloud, dev, "second", 1 << 20)}
    _detach(real_cloud, "vm1", "kept")
    real_cloud.openstack("volume", "backup", "create", "--incremental", "--name", "kept-incr",
                         "kept")
    _backup_status(real_cloud, "kept-incr", "available")
    assert real_cloud.openstack_json("volume", "backup", "show",
                                     "kept-incr")["is_incremental"] is True
    # Each restored to a volume of its own, read in the guest side by side.
    for backup, volume in (("kept-full", "from-full"), ("kept-incr", "from-incr")):
        real_cloud.openstack("volume", "backup", "restore", backup, volume)
        _volume_status(real_cloud, volume, "available")
        _backup_status(real_cloud, backup, "available")
    from_full = _attach(real_cloud, "vm1", "from-full", first)
    from_incr = _attach(real_cloud, "vm1", "from-incr", first | {from_full})
    assert _hashes(real_cloud, from_full) == written
    assert _hashes(real_cloud, from_incr) == later
    for volume in ("from-full", "from-incr"):
        _detach(real_cloud, "vm1", volume)
    _new_disk(real_cloud, "vm1", first, present=False)
    real_cloud.openstack("volume", "backup", "delete", "kept-incr")
    deadline = time.monotonic() + 60
    while any(b["Name"] == "kept-incr"
              for b in real_cloud.openstack_json("volume", "backup", "list")):
        assert time.monotonic() < deadline, "the incremental backup was never deleted"
        time.sleep(1)
    real_cloud.openstack("volume", "backup", "delete", "kept-full")
    real_cloud.openstack("volume", "delete", "from-full", "from-incr", "kept")


# The QoS check: RATE reads a second at most, READS of them. QEMU lets a tenth of a second's
# worth through at once, and the rest no faster than the rate: a hard lower bound on the time
# they take, whatever the machine's load. Without the limit the same reads take a fraction of
# it even under TCG.
RATE, READS = 20, 100
LEAST = (READS - RATE / 10 - 1) / RATE


def _read_seconds(cloud: CloudProcess, dev: str) -> float:
    """How long READS direct 4 KiB reads of ``dev`` take, by the guest's own clock (no SSH
    in it). O_DIRECT: read-ahead through the page cache would make them a few large reads."""
    out = _ssh(cloud, "vm1", f"read a x < /proc/uptime && dd if={dev} of=/dev/null bs=4k "
                             f"count={READS} iflag=direct 2>/dev/null && read b x < /proc/uptime"
                             " && echo $a $b")
    began, ended = map(float, out.split())
    return ended - began


def test_a_qos_spec_holds_a_guests_reads_to_its_rate(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    real_cloud.openstack("volume", "qos", "create", "--consumer", "front-end", "--property",
                         f"read_iops_sec={RATE}", "slow-reads")
    real_cloud.openstack("volume", "type", "create", "slow")
    real_cloud.openstack("volume", "qos", "associate", "slow-reads", "slow")
    real_cloud.openstack("volume", "create", "--type", "slow", "--size", "1", "throttled")
    real_cloud.openstack("volume", "create", "--size", "1", "unthrottled")
    for volume in ("throttled", "unthrottled"):
        _volume_status(real_cloud, volume, "available")
    first = set(_ssh(real_cloud, "vm1", "ls /dev/vd?").split())
    slow_dev = _attach(real_cloud, "vm1", "throttled", first)
    fast_dev = _attach(real_cloud, "vm1", "unthrottled", first | {slow_dev})
    slow, fast = _read_seconds(real_cloud, slow_dev), _read_seconds(real_cloud, fast_dev)
    # A tenth off the bound for the guest's clock, which TCG keeps only roughly.
    assert slow >= 0.9 * LEAST, f"{READS} reads at {RATE}/s took {slow:.2f} s"
    assert fast < LEAST / 2, f"{READS} unthrottled reads took {fast:.2f} s"
    for volume in ("throttled", "unthrottled"):
        _detach(real_cloud, "vm1", volume)
    _new_disk(real_cloud, "vm1", first, present=False)
    real_cloud.openstack("volume", "delete", "throttled", "unthrottled")
    # A type is in use until its volumes are gone, and a delete is asynchronous.
    _until(lambda: not {"throttled", "unthrottled"} & {
        v["Name"] for v in real_cloud.openstack_json("volume", "list")})
    real_cloud.openstack("volume", "qos", "disassociate", "--all", "slow-reads")
    real_cloud.openstack("volume", "qos", "delete", "slow-reads")
    real_cloud.openstack("volume", "type", "delete", "slow")
