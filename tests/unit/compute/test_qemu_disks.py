"""The qemu driver's base-image cache refuses what must never reach QEMU: content that is not
its ``disk_format``, a qcow2 naming a backing file, and bytes that do not match the image's
hash; what it keeps is fetched once per host."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest

from nimbus.compute.drivers.base import DriverError
from nimbus.compute.drivers.qemu import disks

COVERS = [("compute", "qemu driver: base images refused for a lying format, a backing file "
                      "or a bad checksum; fetched once per host")]


def _qcow2(path: Path, *extra: str) -> bytes:
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", *extra, str(path), "64M"],
                   check=True)
    return path.read_bytes()


def _record(data: bytes, fmt: str, image_id: str = "img-1") -> dict[str, object]:
    return {"id": image_id, "disk_format": fmt, "os_hash_algo": "sha512",
            "os_hash_value": hashlib.sha512(data).hexdigest()}


class Source:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.calls = 0

    def __call__(self, image_id: str) -> Iterable[bytes]:
        self.calls += 1
        yield self.data[:1000]
        yield self.data[1000:]


def test_a_good_qcow2_is_fetched_once(tmp_path: Path) -> None:
    data = _qcow2(tmp_path / "good.qcow2")
    cache = disks.ImageCache(tmp_path / "base")
    source = Source(data)
    for _ in range(2):
        path, fmt = cache.fetch(_record(data, "qcow2"), source)
        assert fmt == "qcow2" and path.read_bytes() == data
    assert source.calls == 1
    disks.overlay(path, fmt, tmp_path / "disk", 1)
    assert disks.info(tmp_path / "disk")["virtual-size"] == 1024 ** 3


def test_content_that_is_not_its_disk_format_is_refused(tmp_path: Path) -> None:
    data = b"\0" * 65536
    with pytest.raises(DriverError, match="says it is qcow2 but its content is raw"):
        disks.ImageCache(tmp_path / "base").fetch(_record(data, "qcow2"), Source(data))


def test_a_qcow2_with_a_backing_file_is_refused(tmp_path: Path) -> None:
    _qcow2(tmp_path / "backing.qcow2")
    data = _qcow2(tmp_path / "child.qcow2", "-F", "qcow2", "-b", str(tmp_path / "backing.qcow2"))
    with pytest.raises(DriverError, match="backing file"):
        disks.ImageCache(tmp_path / "base").fetch(_record(data, "qcow2"), Source(data))


def test_bytes_that_do_not_match_the_hash_are_not_kept(tmp_path: Path) -> None:
    data = _qcow2(tmp_path / "good.qcow2")
    record = _record(data, "qcow2")
    record["os_hash_value"] = "0" * 128
    cache = disks.ImageCache(tmp_path / "base")
    with pytest.raises(DriverError, match="checksum"):
        cache.fetch(record, Source(data))
    assert list((tmp_path / "base").iterdir()) == []
