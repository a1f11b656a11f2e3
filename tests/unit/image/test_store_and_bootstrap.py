"""The store drivers' contract, the format inspector and the first-start test images."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from nimbus.conf.settings import Settings
from nimbus.core.diskimage.inspect import inspect
from nimbus.image.drivers.base import ImageDataNotFound
from nimbus.image.drivers.fake import FakeStore
from nimbus.image.drivers.file import FileStore
from nimbus.image.manager.bootstrap import TEST_IMAGE_SIZE, TEST_IMAGES


@pytest.fixture(params=["file", "fake"])
def store(request, tmp_path: Path):
    settings = Settings(state_dir=tmp_path)
    return FileStore(settings) if request.param == "file" else FakeStore(settings)


def test_add_get_delete(store):
    data = b"abc" * 50000
    stored = store.add("img", iter([data[:1000], data[1000:]]))
    assert stored.size == len(data)
    assert stored.checksums["md5"] == hashlib.md5(data).hexdigest()
    assert stored.checksums["sha512"] == hashlib.sha512(data).hexdigest()
    assert b"".join(store.get(stored.location)) == data
    assert b"".join(store.get(stored.location, 10, 5)) == data[10:15]
    store.delete(stored.location)
    store.delete(stored.location)
    with pytest.raises(ImageDataNotFound):
        list(store.get(stored.location))


def test_failed_add_leaves_nothing(tmp_path: Path):
    store = FileStore(Settings(state_dir=tmp_path))

    def broken():
        yield b"partial"
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError):
        store.add("img", broken())
    assert list((tmp_path / "images").iterdir()) == []


def test_file_store_stays_in_its_root(tmp_path: Path):
    store = FileStore(Settings(state_dir=tmp_path))
    with pytest.raises(ImageDataNotFound):
        store.get("file:///etc/passwd")


def test_inspector():
    assert inspect(b"vhdxfile" + bytes(100)).format == "vhdx"
    assert inspect(b"conectix" + bytes(100)).format == "vhd"
    assert inspect(b"KDMV" + bytes(100)).format == "vmdk"
    assert inspect(b"# Disk DescriptorFile\n").unsafe
    iso = bytearray(0x9000)
    iso[0x8001:0x8006] = b"CD001"
    assert inspect(bytes(iso)).format == "iso"
    assert inspect(b"plain").format == "raw"


def test_bootstrap_is_idempotent(make_cloud):
    cloud, api = make_cloud(["image"], prefix="/image")
    cloud.facts.projects = {"admin": "a0000000000000000000000000000000"}
    cloud.bootstrap()
    cloud.bootstrap()
    images = api.as_("other").get("/v2/images").json()["images"]
    assert sorted(i["name"] for i in images) == ["nimbus-test", "nimbus-test-alt"]
    assert {i["status"] for i in images} == {"active"}
    assert {i["visibility"] for i in images} == {"public"}
    assert {i["owner"] for i in images} == {"a0000000000000000000000000000000"}
    assert {i["size"] for i in images} == {TEST_IMAGE_SIZE}
    assert len({i["checksum"] for i in images}) == 2
    first = api.as_("other").get(f"/v2/images/{TEST_IMAGES[0][1]}/file").content
    assert first.startswith(TEST_IMAGES[0][2]) and len(first) == TEST_IMAGE_SIZE


def test_bootstrap_without_facts(make_cloud):
    cloud, api = make_cloud(["image"], prefix="/image", bootstrap=True)
    assert len(api.as_("admin").get("/v2/images").json()["images"]) == 2
