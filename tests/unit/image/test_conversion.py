"""Conversion on import with qemu-img: to the preferred format, never for unsafe input or ISOs."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.conf.image import ImageSettings
from nimbus.conf.settings import Settings
from nimbus.core.diskimage import convert
from tests.unit.image import crafted
from tests.unit.image.conftest import create, wait_for

COVERS = [("image", "image conversion on import (qemu-img)")]

OCTETS = {"Content-Type": "application/octet-stream"}
MiB = 1024 * 1024
needs_qemu_img = pytest.mark.skipif(convert.qemu_img() is None, reason="qemu-img not installed")


def _import(api: Any, disk_format: str, data: bytes) -> dict[str, Any]:
    member = api.as_("member")
    image = create(api, disk_format=disk_format)
    url = f"/v2/images/{image['id']}"
    assert member.put(f"{url}/stage", content=data, headers=OCTETS).status_code == 204
    assert member.post(f"{url}/import",
                       json={"method": {"name": "glance-direct"}}).status_code == 202
    return wait_for(member, url, lambda i: i["status"] in ("active", "queued") and
                    not i.get("os_glance_import_task"))


def test_target_format_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert, "qemu_img", lambda: "/usr/bin/qemu-img")
    assert convert.target_format(Settings()) == "raw"
    assert convert.target_format(Settings(image=ImageSettings(import_convert_to=""))) is None
    assert convert.target_format(
        Settings(image=ImageSettings(import_convert_to="qcow2"))) == "qcow2"
    monkeypatch.setattr(convert, "qemu_img", lambda: None)
    assert convert.target_format(Settings()) is None
    assert not convert.needed("iso", "raw") and not convert.needed("raw", "raw")
    assert convert.needed("qcow2", "raw")


@needs_qemu_img
def test_qcow2_import_becomes_raw(image_api: Any) -> None:
    shown = _import(image_api, "qcow2", crafted.qcow2(MiB))
    assert shown["status"] == "active"
    assert shown["disk_format"] == "raw" and shown["size"] == MiB
    data = image_api.as_("member").get(f"/v2/images/{shown['id']}/file").content
    assert data == bytes(MiB)


@needs_qemu_img
@pytest.mark.parametrize("data", [crafted.qcow2(MiB, backing=True),
                                  crafted.qcow2(MiB, data_file=True), b"not a qcow2" * 100])
def test_unsafe_or_mislabelled_input_is_never_converted(image_api: Any, data: bytes) -> None:
    shown = _import(image_api, "qcow2", data)
    assert shown["status"] == "queued" and shown["disk_format"] == "qcow2"
    tasks = image_api.as_("member").get(f"/v2/images/{shown['id']}/tasks").json()["tasks"]
    assert tasks[-1]["status"] == "failure"


@needs_qemu_img
def test_iso_stays_iso(image_api: Any) -> None:
    shown = _import(image_api, "iso", crafted.iso())
    assert shown["status"] == "active" and shown["disk_format"] == "iso"
