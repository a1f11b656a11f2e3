"""Volumes served over NBD by a backend's own qemu-storage-daemon (``nbd_export.py``), read
and written with qemu-io as a compute host's QEMU would: shared by several connectors, served
again after a restart of the agent or of the daemon, grown, moved while in use, and an
encrypted qcow2 served as the guest sees it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from nimbus.volume.drivers import luks
from nimbus.volume.drivers.nbd_export import NbdExports
from nimbus.volume.errors import VolumeBackendError

COVERS = [("volume", "NBD exports (qemu-storage-daemon): served, shared by connectors, "
                     "removed, grown, moved while in use, back after a restart")]

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("qemu-storage-daemon", "qemu-io", "qemu-img")),
    reason="needs qemu-storage-daemon, qemu-io and qemu-img")

MiB = 1024 * 1024


@pytest.fixture
def exports(tmp_path: Path) -> Iterator[NbdExports]:
    found = NbdExports(tmp_path / "nbd", passphrase={"k1": "22" * 32}.__getitem__)
    try:
        yield found
    finally:
        found.shutdown()


def _qcow2(path: Path, size: str = "64M") -> dict[str, object]:
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), size], check=True)
    return {"driver": "qcow2", "file": {"driver": "file", "filename": str(path)}}


def _io(where: dict[str, object], *commands: str) -> subprocess.CompletedProcess[str]:
    args = ["qemu-io", "-f", "raw"]
    for command in commands:
        args += ["-c", command]
    url = f"nbd://{where['host']}:{where['port']}/{where['export_name']}"
    done = subprocess.run([*args, url], capture_output=True, text=True, timeout=60,
                          check=False)
    # qemu-io says what failed on stdout and still exits 0.
    assert done.returncode == 0 and "fail" not in done.stdout.lower(), done.stdout + done.stderr
    return done


def _size(where: dict[str, object]) -> int:
    url = f"nbd://{where['host']}:{where['port']}/{where['export_name']}"
    out = subprocess.run(["qemu-img", "info", "--output=json", url], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return int(json.loads(out)["virtual-size"])


def _served(where: dict[str, object]) -> bool:
    url = f"nbd://{where['host']}:{where['port']}/{where['export_name']}"
    return subprocess.run(["qemu-img", "info", url], capture_output=True, timeout=60,
                          check=False).returncode == 0


def test_an_export_is_read_and_written_and_goes_with_its_last_connector(
        exports: NbdExports, tmp_path: Path) -> None:
    node = _qcow2(tmp_path / "v.qcow2")
    where = exports.export("volume-1", node, writable=True, connector="compute-a")
    assert where["host"] == "127.0.0.1" and where["export_name"] == "volume-1"
    _io(where, "write -P 0x5a 0 1M")
    # A second connector (a multi-attached volume) shares the one export.
    assert exports.export("volume-1", node, writable=True, connector="compute-b") == where
    _io(where, "read -P 0x5a 0 1M")
    exports.release("volume-1", "compute-a")
    assert exports.exported("volume-1") and _served(where)
    exports.release("volume-1", "compute-b")
    assert not exports.exported("volume-1")
    # Its last export gone, the daemon goes too; the qcow2 holds what the client wrote.
    assert exports._pid() is None
    out = subprocess.run(["qemu-io", "-f", "qcow2", "-c", "read -P 0x5a 0 1M",
                          str(tmp_path / "v.qcow2")], capture_output=True, text=True, check=True)
    assert "fail" not in out.stdout.lower()


def test_a_read_only_export_refuses_writes(exports: NbdExports, tmp_path: Path) -> None:
    where = exports.export("volume-ro", _qcow2(tmp_path / "ro.qcow2"), writable=False,
                           connector="c")
    url = f"nbd://{where['host']}:{where['port']}/volume-ro"
    done = subprocess.run(["qemu-io", "-f", "raw", "-c", "write 0 64k", url],
                          capture_output=True, text=True, timeout=60, check=False)
    assert "read-only" in (done.stdout + done.stderr).lower() or done.returncode != 0


def test_exports_outlive_the_agent_and_come_back_with_the_daemon(
        exports: NbdExports, tmp_path: Path) -> None:
    where = exports.export("volume-2", _qcow2(tmp_path / "v2.qcow2"), writable=True,
                           connector="c")
    _io(where, "write -P 0x33 0 64k")
    pid = exports._pid()
    # The agent starts again: the running daemon is found and kept.
    again = NbdExports(tmp_path / "nbd")
    assert again.restore() == 1 and again._pid() == pid
    # The daemon went (the machine restarted): it comes back on the same port, with the export.
    again.shutdown()
    assert not _served(where)
    assert again.restore() == 1 and again._pid() not in (None, pid)
    _io(where, "read -P 0x33 0 64k")
    # Connectors are still counted: the export goes with the one it had.
    again.release("volume-2", "c")
    assert again._pid() is None


def test_a_withdrawn_export_comes_back_at_its_new_size(exports: NbdExports,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "grow.qcow2"
    where = exports.export("volume-3", _qcow2(path), writable=True, connector="c")
    assert _size(where) == 64 * MiB
    assert exports.withdraw("volume-3")
    assert not _served(where)
    subprocess.run(["qemu-img", "resize", "-q", "-f", "qcow2", str(path), "128M"], check=True)
    exports.reinstate("volume-3")
    assert _size(where) == 128 * MiB
    assert not exports.withdraw("volume-unknown")


def test_an_export_moves_while_in_use(exports: NbdExports, tmp_path: Path) -> None:
    first, second = tmp_path / "first.raw", tmp_path / "second.raw"
    for path in (first, second):
        path.write_bytes(b"")
        with path.open("r+b") as f:
            f.truncate(8 * MiB)
    where = exports.export("volume-4", {"driver": "raw", "file": {"driver": "file",
                                                                 "filename": str(first)}},
                           writable=True, connector="c")
    _io(where, "write -P 0x44 0 1M", "write -P 0x45 7M 1M")
    exports.move("volume-4", {"driver": "raw", "file": {"driver": "file",
                                                        "filename": str(second)}})
    _io(where, "read -P 0x44 0 1M", "read -P 0x45 7M 1M", "write -P 0x46 3M 1M")
    # The data lives in the new place now, and what the client writes goes there.
    data = second.read_bytes()
    assert data[:MiB] == b"\x44" * MiB and data[3 * MiB:4 * MiB] == b"\x46" * MiB
    assert b"\x46" not in first.read_bytes()
    exports.release("volume-4", None)
    assert exports._pid() is None


def test_an_encrypted_qcow2_is_served_decrypted(exports: NbdExports, tmp_path: Path) -> None:
    path = tmp_path / "secret.qcow2"
    luks.create(path, "64M", "22" * 32, {"cipher": "aes-xts-plain64", "key_size": 256})
    node = {"driver": "qcow2", "file": {"driver": "file", "filename": str(path)},
            "encrypt": {"format": "luks"}}
    where = exports.export("volume-5", node, writable=True, connector="c", key_id="k1")
    _io(where, "write -P 0x61 0 1M")
    _io(where, "read -P 0x61 0 1M")
    exports.release("volume-5", "c")
    # On the volume host the bytes are ciphertext.
    assert b"a" * 4096 not in path.read_bytes()
    without_keys = NbdExports(tmp_path / "other")
    with pytest.raises(VolumeBackendError):
        without_keys.export("volume-6", node, writable=True, connector="c", key_id="k1")
    without_keys.shutdown()


def test_an_export_whose_data_went_does_not_keep_the_others_down(
        exports: NbdExports, tmp_path: Path) -> None:
    kept = exports.export("volume-7", _qcow2(tmp_path / "kept.qcow2"), writable=True,
                          connector="c")
    exports.export("volume-8", _qcow2(tmp_path / "gone.qcow2"), writable=True, connector="c")
    exports.shutdown()
    (tmp_path / "gone.qcow2").unlink()
    assert exports.restore() == 1
    _io(kept, "write -P 0x70 0 64k")
