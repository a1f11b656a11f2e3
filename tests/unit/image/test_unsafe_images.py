"""Unsafe image content is refused with a 400 and leaves nothing behind in any store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nimbus.core.diskimage import inspect
from nimbus.core.errors import BadRequest
from nimbus.image.drivers.file import FileStore
from nimbus.image.manager.capture import Capture
from tests.unit.image import crafted
from tests.unit.image.conftest import create, upload, wait_for

COVERS = [
    ("image", "upload: unsafe disk images refused (qcow2 backing/data file, VMDK extents, ...)"),
    ("image", "import (glance-direct): unsafe disk images refused, staging cleaned"),
    ("image", "upload: disk_format must match the content"),
]

KiB, MiB = crafted.KiB, crafted.MiB

UNSAFE: dict[str, tuple[str, bytes]] = {
    "qcow2-backing-file": ("qcow2", crafted.qcow2(backing=True)),
    "qcow2-backing-labelled-raw": ("raw", crafted.qcow2(backing=True)),
    "qcow2-data-file-bit": ("qcow2", crafted.qcow2(data_file=True)),
    "qcow2-data-file-extension": ("qcow2", crafted.qcow2(
        extensions=crafted.qcow2_ext(0x44415441, b"/dev/sda") + bytes(8))),
    "qcow2-backing-format-extension": ("qcow2", crafted.qcow2(
        extensions=crafted.qcow2_ext(0xE2792ACA, b"raw") + bytes(8))),
    "qcow2-unknown-incompatible-feature": ("qcow2", crafted.qcow2(incompatible=1 << 9)),
    "qcow2-overlong-header": ("qcow2", crafted.qcow2(header_length=128 * KiB)),
    "qcow2-unaligned-header-length": ("qcow2", crafted.qcow2(header_length=107)),
    "qcow2-extensions-overrun-cluster": ("qcow2", crafted.qcow2(
        extensions=crafted.qcow2_ext(0x12345678, bytes(70 * KiB)))),
    "qcow2-bad-version": ("qcow2", crafted.qcow2(version=7)),
    "qcow2-bad-cluster-bits": ("qcow2", crafted.qcow2(cluster_bits=30, total=4 * 64 * KiB)),
    "qcow2-l1-too-small": ("qcow2", crafted.qcow2(l1_size=1)),
    "qcow2-truncated": ("qcow2", b"QFI\xfb\x00\x00\x00\x03"),
    "qcow2-labelled-raw": ("raw", crafted.qcow2()),
    "qcow2-labelled-iso": ("iso", crafted.qcow2()),
    "vmdk-descriptor-only": ("vmdk", b'# Disk DescriptorFile\nRW 8 FLAT "/etc/shadow" 0\n'),
    "vmdk-flat-extent": ("vmdk", crafted.vmdk(extent='RW 2097152 FLAT "/etc/shadow" 0')),
    "vmdk-host-path-sparse": ("vmdk", crafted.vmdk(extent='RW 2097152 SPARSE "/dev/sda"')),
    "vmdk-two-extents": ("vmdk", crafted.vmdk(
        extent='RW 8 SPARSE "a.vmdk"\nRW 8 SPARSE "b.vmdk"')),
    "vmdk-remote-extent": ("vmdk", crafted.vmdk(extent='RW 8 VMFSRDM "x-rdm.vmdk"')),
    "vmdk-monolithic-flat": ("vmdk", crafted.vmdk(create_type="monolithicFlat")),
    "vmdk-two-gb-split": ("vmdk", crafted.vmdk(create_type="twoGbMaxExtentSparse")),
    "vmdk-unknown-line": ("vmdk", crafted.vmdk(
        descriptor='createType="monolithicSparse"\nRW 8 SPARSE "a.vmdk"\n!include /etc\n')),
    "vmdk-parent": ("vmdk", crafted.vmdk(descriptor=(
        'createType="monolithicSparse"\nparentCID=1234abcd\nRW 8 SPARSE "a.vmdk"\n'))),
    "vmdk-descriptor-misplaced": ("vmdk", crafted.vmdk(desc_offset=50)),
    "vmdk-footer-missing": ("vmdk", crafted.vmdk(create_type="streamOptimized", gd_at_end=True,
                                                 footer=bytes(512))),
    "vmdk-cowd": ("vmdk", b"COWD" + bytes(2044)),
    "vhd-differencing": ("vhd", crafted.vhd_dynamic(disk_type=4)),
    "vhd-differencing-fixed-footer": ("vhd", bytes(64 * KiB) + crafted.vhd_footer(4)),
    "vhdx-parent-locator": ("vhdx", crafted.vhdx(parent=True)),
    "vhdx-has-parent-flag": ("vhdx", crafted.vhdx(has_parent_flag=True)),
    "vhdx-region-signature": ("vhdx", crafted.vhdx(second_table=bytes(64 * KiB))),
    "vhdx-region-overlap": ("vhdx", crafted.vhdx(regions=[
        (crafted.BAT, 1 * MiB, 2 * MiB, 1), (crafted.METADATA, 2 * MiB, MiB, 1)])),
    "vhdx-region-misaligned": ("vhdx", crafted.vhdx(regions=[
        (crafted.BAT, 1 * MiB + 512, MiB, 1), (crafted.METADATA, 2 * MiB, MiB, 1)])),
    "vhdx-unknown-required-region": ("vhdx", crafted.vhdx(regions=[
        (crafted.BAT, 1 * MiB, MiB, 1), (crafted.METADATA, 2 * MiB, MiB, 1),
        (b"\x01" * 16, 4 * MiB, MiB, 1)])),
    "vhdx-too-many-regions": ("vhdx", crafted.vhdx(region_count=3000)),
    "vhdx-truncated": ("vhdx", b"vhdxfile" + bytes(4096)),
    "vdi-differencing": ("vdi", crafted.vdi(image_type=4)),
    "qed": ("raw", b"QED\x00" + bytes(4092)),
    "iso-with-qcow2-in-system-area": ("iso", crafted.iso(system_area=crafted.qcow2(total=0)[:512])),
    "iso-with-qcow2-labelled-qcow2": ("qcow2", crafted.iso(system_area=crafted.qcow2()[:512])),
    "qcow2-with-mbr": ("qcow2", bytes(bytearray(crafted.qcow2()[:446]) + crafted.mbr()[446:])
                       + crafted.qcow2()[512:]),
    "vmdk-with-mbr": ("vmdk", crafted.mbr()[:0] + bytes(bytearray(crafted.vmdk()[:446])
                                                        + crafted.mbr()[446:])
                      + crafted.vmdk()[512:]),
    "gpt-without-header": ("raw", crafted.gpt(valid=False)),
}


def _leftovers(cloud: Any) -> list[Path]:
    found = []
    for name in ("images", "images-staging"):
        root = Path(cloud.settings.state_dir) / name
        if root.exists():
            found.extend(root.iterdir())
    return found


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_upload_refused(image_cloud: Any, case: str) -> None:
    cloud, api = image_cloud
    disk_format, data = UNSAFE[case]
    image = create(api, disk_format=disk_format)
    resp = upload(api, image["id"], data)
    assert resp.status_code == 400, (case, resp.text)
    assert "refused" in resp.text or "disk_format" in resp.text
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert shown["status"] == "queued" and shown["size"] is None
    assert _leftovers(cloud) == []


@pytest.mark.parametrize("case", ["qcow2-backing-file", "vmdk-flat-extent", "vhdx-parent-locator",
                                  "iso-with-qcow2-in-system-area"])
def test_unsafe_import_refused(image_cloud: Any, case: str) -> None:
    cloud, api = image_cloud
    disk_format, data = UNSAFE[case]
    member = api.as_("member")
    image = create(api, disk_format=disk_format)
    url = f"/v2/images/{image['id']}"
    assert member.put(f"{url}/stage", content=data,
                      headers={"Content-Type": "application/octet-stream"}).status_code == 204
    # As in Glance, the import is accepted and its task fails: the image goes back to queued.
    resp = member.post(f"{url}/import", json={"method": {"name": "glance-direct"}})
    assert resp.status_code == 202, resp.text
    shown = wait_for(member, url, lambda i: i["status"] == "queued" and
                     not i.get("os_glance_importing_to_stores"))
    assert shown["status"] == "queued" and shown["os_glance_failed_import"]
    assert _leftovers(cloud) == []


SAFE: dict[str, tuple[str, bytes, int]] = {
    "qcow2-v3": ("qcow2", crafted.qcow2(), 10 * crafted.GiB),
    "qcow2-v2": ("qcow2", crafted.qcow2(version=2), 10 * crafted.GiB),
    "qcow2-feature-table-extension": ("qcow2", crafted.qcow2(
        extensions=crafted.qcow2_ext(0x6803F857, bytes(48)) + bytes(8)), 10 * crafted.GiB),
    "vmdk-monolithic-sparse": ("vmdk", crafted.vmdk(), 2097152 * 512),
    "vmdk-stream-optimized": ("vmdk", crafted.vmdk(create_type="streamOptimized",
                                                   gd_at_end=True), 2097152 * 512),
    "vhd-dynamic": ("vhd", crafted.vhd_dynamic(), 64 * KiB),
    "vhd-fixed": ("vhd", bytes(64 * KiB) + crafted.vhd_footer(2), 64 * KiB),
    "vhdx": ("vhdx", crafted.vhdx(), 8 * crafted.GiB),
    "vdi": ("vdi", crafted.vdi(), crafted.GiB),
    "iso": ("iso", crafted.iso(), 32 * 2048),
    "hybrid-iso": ("iso", crafted.iso(system_area=crafted.mbr(0x17)), 32 * 2048),
    "mbr-disk": ("raw", crafted.mbr() + bytes(8192), 512 + 8192),
    "gpt-disk": ("raw", crafted.gpt(), len(crafted.gpt())),
}


@pytest.mark.parametrize("case", sorted(SAFE))
def test_safe_images_accepted(image_cloud: Any, case: str) -> None:
    _cloud, api = image_cloud
    disk_format, data, virtual_size = SAFE[case]
    image = create(api, disk_format=disk_format)
    resp = upload(api, image["id"], data)
    assert resp.status_code == 204, (case, resp.text)
    shown = api.as_("member").get(f"/v2/images/{image['id']}").json()
    assert shown["status"] == "active" and shown["virtual_size"] == virtual_size


def test_random_bytes_labelled_qcow2_follow_strictness(make_cloud: Any) -> None:
    assert inspect.check("qcow2", b"random bytes").format == "raw"
    with pytest.raises(Exception, match="does not look like qcow2"):
        inspect.check("qcow2", b"random bytes", strict=True)
    # Recognised danger is refused whether or not formats are strict.
    with pytest.raises(Exception, match="backing file"):
        inspect.check("qcow2", crafted.qcow2(backing=True), strict=False)


def _endless(head: bytes, chunk: int = 256 * KiB) -> Iterator[bytes]:
    yield head
    while True:
        yield bytes(chunk)


def test_refused_mid_stream_and_nothing_left(tmp_path: Path) -> None:
    """A 1 MiB header tells enough: the store never sees the rest and drops what it wrote."""
    store = FileStore(None, root=tmp_path / "images")
    inspector = inspect.StreamInspector("raw")
    capture = Capture(_endless(crafted.qcow2(backing=True)), 1 << 40, inspector)
    with pytest.raises(Exception, match="backing file"):
        store.add("img", capture)
    assert capture.size < 2 * MiB
    assert list((tmp_path / "images").iterdir()) == []


def test_chunk_boundaries_do_not_matter() -> None:
    """The same image fed in odd-sized pieces gives the same verdict (VHDX spans regions)."""
    data = crafted.vhdx(parent=True)
    for size in (7, 511, 4096, 65537, len(data)):
        inspector = inspect.StreamInspector("vhdx")
        with pytest.raises(Exception, match="parent"):
            for i in range(0, len(data), size):
                inspector.feed(data[i:i + size])
            inspector.finish()
    good = crafted.vhdx()
    inspector = inspect.StreamInspector("vhdx")
    for i in range(0, len(good), 3000):
        inspector.feed(good[i:i + 3000])
    assert inspector.finish().virtual_size == 8 * crafted.GiB


def test_inspect_describes_without_raising() -> None:
    assert inspect.inspect(crafted.qcow2(backing=True)).unsafe
    assert inspect.inspect(crafted.vhdx()).format == "vhdx"
    assert inspect.inspect(b"plain").format == "raw"


class _Objects:
    """An object-service client double that, like a careless server, keeps partial bodies."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def ensure_container(self, container: str) -> None:
        return None

    def put_object(self, container: str, name: str, chunks: Iterator[bytes]) -> dict[str, str]:
        key = f"{container}/{name}"
        self.objects[key] = b""
        for chunk in chunks:
            self.objects[key] += chunk
        return {}

    def delete_object(self, container: str, name: str) -> None:
        self.objects.pop(f"{container}/{name}", None)


@pytest.mark.parametrize("case", ["qcow2-backing-file", "vhdx-parent-locator", "qcow2-labelled-raw"])
def test_object_store_keeps_nothing(case: str) -> None:
    from nimbus.conf.settings import Settings
    from nimbus.image.drivers.object import ObjectStore

    client = _Objects()
    store = ObjectStore(Settings(), client=client)
    disk_format, data = UNSAFE[case]
    inspector = inspect.StreamInspector(disk_format)
    chunks = _endless(data) if len(data) > MiB else iter([data])
    refused = False
    try:    # as ImageData._store does: a verdict at the end deletes what was stored
        stored = store.add("img", Capture(chunks, 1 << 40, inspector))
        try:
            inspector.finish()
        except BadRequest:
            store.delete(stored.location)
            raise
    except BadRequest:
        refused = True
    assert refused
    assert client.objects == {}
