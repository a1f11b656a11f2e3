"""Backups of real qcow2 volumes (the file driver, in a temporary directory): what a restore
writes is the volume's data byte for byte, as ``qemu-img compare`` sees it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nimbus.volume.agent.backup_store import ChunkStore
from tests.unit.volume.backup_support import CHUNK, Backups, MemoryObjects
from tests.unit.volume.conftest import VolumeApi

COVERS = [("volume", "backups of file-driver (qcow2) volumes: full, incremental, restore")]

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")


def _fill(path: Path, scratch: Path, writes: dict[int, bytes]) -> None:
    """Make the qcow2 at ``path`` hold ``writes`` (its size kept): written to a sparse raw
    copy of it, converted back."""
    subprocess.run(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", str(path), str(scratch)],
                   check=True)
    with scratch.open("r+b") as f:
        for offset, data in writes.items():
            f.seek(offset)
            f.write(data)
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(scratch), str(path)],
                   check=True)
    scratch.unlink()


def _same(a: Path, b: Path) -> bool:
    done = subprocess.run(["qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", str(a), str(b)],
                          capture_output=True, check=False)
    return done.returncode == 0


def test_file_volumes_back_up_and_restore_their_bytes(make_cloud: Callable[..., Any],
                                                      tmp_path: Path) -> None:
    cloud, api = make_cloud(["volume"], prefix="/volume", bootstrap=True, volume_driver="file")
    cloud.start_workers({"volume-agent"})
    vol = VolumeApi(cloud, api)
    bk = Backups(vol)
    root = Path(bk.driver.config["state_dir"])
    source = vol.create("member")["id"]
    source_file = root / f"volume-{source}.qcow2"
    _fill(source_file, tmp_path / "s.raw", {0: b"boot sector" * 40, 3 * CHUNK + 5: b"x" * 9000,
                                            700 * CHUNK: b"far away"})
    full = bk.create(source)
    assert full["object_count"] == 4
    restored = bk.restore(full["id"])
    assert _same(source_file, root / f"volume-{restored['volume_id']}.qcow2")
    # An incremental backup stores the one chunk that changed.
    _fill(source_file, tmp_path / "s.raw", {3 * CHUNK + 5: b"y" * 10})
    incremental = bk.create(source, incremental=True)
    assert incremental["object_count"] == 2 and incremental["is_incremental"]
    target = vol.create("member", size=2)["id"]
    target_file = root / f"volume-{target}.qcow2"
    _fill(target_file, tmp_path / "t.raw", {0: b"to be overwritten" * 100})
    assert not _same(source_file, target_file)
    bk.restore(incremental["id"], volume_id=target)
    # The data over what it held, zeros after it (``compare`` reads a larger image's rest as
    # it must be: zeros).
    assert _same(source_file, target_file)
    assert vol.wait(target, "available")["size"] == 2
    # Scratch files are gone; the volumes and their data stay.
    assert sorted(p.suffix for p in root.iterdir()) == [".qcow2"] * 3


def test_chunk_store_round_trip_and_damage() -> None:
    objects = MemoryObjects()
    store = ChunkStore(objects, 4)
    data = [b"abcd", bytes(4), b"efgh", b"ij"]
    manifest = store.write("c", "volume_v/backup_b", iter(data), None, {"size": 1})
    assert manifest["objects"] == 4 and manifest["length"] == 14
    assert list(store.read(store.manifest("c", "volume_v/backup_b"))) == data
    child = store.write("c", "volume_v/backup_k", iter([b"abcd", b"zzzz", b"efgh", b"ij"]),
                        manifest, {})
    assert child["objects"] == 2 and objects.under("volume_v/backup_k") == [
        "volume_v/backup_k/chunk-00000001", "volume_v/backup_k/manifest.json"]
    objects.objects[("c", "volume_v/backup_b/chunk-00000000")] = b"not zlib"
    with pytest.raises(Exception, match="damaged"):
        list(store.read(child))
    with pytest.raises(Exception, match="no data of this cloud"):
        store.delete("c", "images/../volume_v")
    assert store.delete("c", "volume_v/backup_k") == 2
