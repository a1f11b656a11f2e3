"""Server snapshots (createImage) with the fake driver and fake image client, and the compute
host's refusal of images whose content is unsafe or not their disk_format."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.compute.drivers import fake
from nimbus.compute.manager import image_checks
from tests.unit.compute.conftest import MV
from tests.unit.image import crafted

COVERS = [("compute", "createImage"), ("compute", "image format check")]

OLD_MV = {"OpenStack-API-Version": "compute 2.1"}


def _snapshot(compute: Any, sid: str, body: dict[str, Any], headers: dict[str, str] = MV,
              persona: str = "member") -> Any:
    return compute.as_(persona).post(f"/v2.1/servers/{sid}/action",
                                     json={"createImage": body}, headers=headers)


def _wait_active_image(compute: Any, image_id: str) -> dict[str, Any]:
    images = compute.clients.image
    compute.wait_for(lambda: images.images.get(image_id, {}).get("status") == "active")
    return images.images[image_id]


def test_create_image_uploads_the_drivers_disk(compute: Any) -> None:
    server = compute.boot()
    resp = _snapshot(compute, server["id"], {"name": "snap", "metadata": {"purpose": "test"}})
    assert resp.status_code == 202, resp.text
    image_id = resp.json()["image_id"]
    image = _wait_active_image(compute, image_id)
    compute.wait(server["id"], "ACTIVE")
    assert image["name"] == "snap" and image["visibility"] == "private"
    assert image["owner"] == server["tenant_id"]
    assert image["instance_uuid"] == server["id"] and image["image_type"] == "snapshot"
    assert image["base_image_ref"] == server["image"]["id"]
    assert image["purpose"] == "test" and "member" in image["boot_roles"]
    # The fake guest's disk is raw bytes, so the record's format follows the upload.
    assert image["disk_format"] == "raw"
    assert compute.clients.image.data[image_id] == fake.snapshot_bytes(server["id"])
    actions = compute.as_("member").get(f"/v2.1/servers/{server['id']}/os-instance-actions")
    assert actions.json()["instanceActions"][0]["action"] == "createImage"


def test_create_image_before_2_45_answers_with_a_location(compute: Any) -> None:
    sid = compute.boot()["id"]
    resp = _snapshot(compute, sid, {"name": "snap"}, headers=OLD_MV)
    assert resp.status_code == 202 and not resp.content
    image_id = resp.headers["Location"].rsplit("images/", 1)[1]
    _wait_active_image(compute, image_id)


def test_snapshot_task_states_in_order(compute: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sid = compute.boot()["id"]
    seen: list[Any] = []
    images = compute.clients.image
    real_upload = images.upload

    def upload(image_id: str, chunks: Any) -> None:
        seen.append(compute.as_("admin").get(f"/v2.1/servers/{sid}", headers=MV)
                    .json()["server"]["OS-EXT-STS:task_state"])
        real_upload(image_id, chunks)

    monkeypatch.setattr(images, "upload", upload)
    image_id = _snapshot(compute, sid, {"name": "snap"}).json()["image_id"]
    _wait_active_image(compute, image_id)
    assert compute.wait(sid, "ACTIVE")["OS-EXT-STS:task_state"] is None
    assert seen == ["image_uploading"]


def test_failed_snapshot_keeps_the_server_and_drops_the_image(compute: Any) -> None:
    sid = compute.boot(metadata={"fake_fail": "snapshot"})["id"]
    image_id = _snapshot(compute, sid, {"name": "snap"}).json()["image_id"]
    compute.wait_for(lambda: image_id not in compute.clients.image.images)
    assert compute.wait(sid, "ACTIVE")["OS-EXT-STS:task_state"] is None


def test_create_image_refusals(compute: Any) -> None:
    sid = compute.boot()["id"]
    assert _snapshot(compute, sid, {}).status_code == 400
    assert _snapshot(compute, sid, {"name": "  "}).status_code == 400
    assert _snapshot(compute, sid, {"name": "x", "metadata": {"k": 1}}).status_code == 400
    assert _snapshot(compute, sid, {"name": "x", "bogus": 1}).status_code == 400
    assert _snapshot(compute, sid, {"name": "x"}, persona="reader").status_code == 403
    assert _snapshot(compute, sid, {"name": "x"}, persona="other").status_code == 404
    compute.as_("member").post(f"/v2.1/servers/{sid}/action", json={"lock": None}, headers=MV)
    assert _snapshot(compute, sid, {"name": "x"}).status_code == 409


def test_create_image_while_busy_is_a_conflict(compute: Any) -> None:
    sid = compute.boot()["id"]
    from nimbus.compute.db import instances as dbapi

    dbapi.update_instance(compute.state.db, sid, task_state="rebooting")
    before = set(compute.clients.image.images)
    resp = _snapshot(compute, sid, {"name": "x"})
    assert resp.status_code == 409 and "task_state rebooting" in resp.text
    assert set(compute.clients.image.images) == before


# -- format refusal before spawn ----------------------------------------------------------------

def _boot_image(compute: Any, data: bytes, disk_format: str) -> dict[str, Any]:
    image_id = compute.clients.image.add(f"img-{disk_format}-{len(compute.clients.image.images)}",
                                         data, disk_format)
    return compute.boot(imageRef=image_id, wait=None)


@pytest.mark.parametrize(("data", "disk_format", "reason"), [
    (crafted.qcow2(1024 * 1024), "raw", "its content is qcow2 but its disk_format is raw"),
    (b"\x01" * 4096, "qcow2", "its content is raw but its disk_format is qcow2"),
    (crafted.iso(), "raw", "its content is iso but its disk_format is raw"),
    (crafted.qcow2(1024 * 1024, backing=True), "qcow2", "backing file"),
    (crafted.qcow2(1024 * 1024, data_file=True), "qcow2", "data file"),
    (crafted.iso(system_area=crafted.qcow2(1024 * 1024)[:512]), "iso", "more than one format"),
])
def test_unacceptable_images_put_the_server_in_error(compute: Any, data: bytes,
                                                     disk_format: str, reason: str) -> None:
    created = _boot_image(compute, data, disk_format)
    server = compute.wait(created["id"], "ERROR", persona="member")
    assert server["fault"]["code"] == 400
    assert server["fault"]["message"].startswith("Image img-")
    assert "is unacceptable" in server["fault"]["message"] and reason in server["fault"]["message"]
    # Refused before any port was made, and nothing was spawned.
    assert not compute.clients.network.ports
    assert created["id"] not in compute.guests()


@pytest.mark.parametrize(("data", "disk_format"), [
    (bytes(range(256)) * 4096, "raw"),
    (crafted.qcow2(1024 * 1024), "qcow2"),
    (crafted.iso(), "iso"),
    (crafted.gpt(), "raw"),
    (b"\x02" * 2048, "ami"),
])
def test_acceptable_images_boot(compute: Any, data: bytes, disk_format: str) -> None:
    created = _boot_image(compute, data, disk_format)
    compute.wait(created["id"], "ACTIVE")


def test_only_head_and_tail_are_read() -> None:
    class Reader:
        def __init__(self, data: bytes) -> None:
            self.data = data
            self.calls: list[tuple[int | None, int | None]] = []

        def read_range(self, image_id: str, first: int | None, last: int | None) -> bytes:
            self.calls.append((first, last))
            if first is None:
                return self.data[-(last or 0):]
            return self.data[first:(last or 0) + 1]

    big = crafted.qcow2(1024 * 1024) + bytes(3 * 1024 * 1024)
    reader = Reader(big)
    image = {"id": "i", "disk_format": "qcow2", "size": len(big)}
    assert image_checks.verify_image(reader, image) == "qcow2"
    assert reader.calls == [(0, 1024 * 1024 - 1), (None, 1024)]
    empty = Reader(b"")
    assert image_checks.verify_image(empty, {"id": "e", "disk_format": "raw", "size": 0}) == "raw"
    assert empty.calls == []
    with pytest.raises(image_checks.ImageUnacceptable, match="not a supported format"):
        image_checks.verify_image(reader, {"id": "i", "disk_format": "ploop", "size": 1})
