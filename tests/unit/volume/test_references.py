"""What ``POST /volumes`` names is checked as the caller, and a refusal leaves nothing behind:
the image (through the image service, with the caller's own token), the snapshot, the source
volume, the backup, the quota."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from nimbus.core.errors import NotFound
from nimbus.volume.db.models import Volume
from nimbus.volume.manager.images import Images
from tests.support.personas import project_of, token_for

COVERS = [("volume", "create checks imageRef, snapshot_id, source_volid, backup_id as the caller")]

GIB = 1024 ** 3
MINE = "6a1d0000-0000-4000-8000-000000000000"
THEIRS = "6a1d0000-0000-4000-8000-000000000001"
PUBLIC = "6a1d0000-0000-4000-8000-000000000002"
QUEUED = "6a1d0000-0000-4000-8000-000000000003"
BIG = "6a1d0000-0000-4000-8000-000000000004"
NEEDY = "6a1d0000-0000-4000-8000-000000000005"
TWIN_A = "6a1d0000-0000-4000-8000-000000000006"
TWIN_B = "6a1d0000-0000-4000-8000-000000000007"


class FakeImages:
    """The image API as each caller sees it: their project's images, public ones."""

    def __init__(self) -> None:
        member, other = project_of("member"), project_of("other")
        self.images = {
            MINE: {"name": "mine", "owner": member, "visibility": "private", "size": GIB},
            THEIRS: {"name": "theirs", "owner": other, "visibility": "private"},
            PUBLIC: {"name": "public", "owner": other, "visibility": "public",
                     "disk_format": "qcow2", "container_format": "bare", "min_disk": 1},
            QUEUED: {"name": "queued", "owner": member, "visibility": "private",
                     "status": "queued"},
            BIG: {"name": "big", "owner": member, "visibility": "private", "size": 3 * GIB},
            NEEDY: {"name": "needy", "owner": member, "visibility": "private", "min_disk": 4},
            TWIN_A: {"name": "twin", "owner": member, "visibility": "private"},
            TWIN_B: {"name": "twin", "owner": member, "visibility": "private"},
        }
        for image_id, image in self.images.items():
            image.setdefault("status", "active")
            image["id"] = image_id
        self.calls: list[tuple[str | None, str]] = []
        self.token: str | None = None
        self.project: str | None = None

    def acting_for(self, token: str | None, project_id: str | None) -> FakeImages:
        view = FakeImages.__new__(FakeImages)
        view.images, view.calls = self.images, self.calls
        view.token, view.project = token, project_id
        return view

    def _visible(self) -> list[dict[str, Any]]:
        return [i for i in self.images.values()
                if i["visibility"] == "public" or i["owner"] == self.project]

    def get_image(self, image_id: str) -> dict[str, Any]:
        self.calls.append((self.token, f"/v2/images/{image_id}"))
        found = [i for i in self._visible() if i["id"] == image_id]
        if not found:
            raise NotFound(f"No image found with ID {image_id}")
        return dict(found[0])

    def get(self, path: str, **kw: Any) -> Any:
        self.calls.append((self.token, path))
        parts = urlsplit(path)
        assert parts.path == "/v2/images"
        name = parse_qs(parts.query)["name"][0]
        return {"images": [dict(i) for i in self._visible() if i["name"] == name]}


@pytest.fixture
def images(vol: Any) -> FakeImages:
    fake = FakeImages()
    vol.cloud.runtimes["volume"].state.volumes.images = Images(fake)
    return fake


def _count(vol: Any) -> int:
    with vol.cloud.db.reader() as s:
        return int(s.query(Volume).count())


def _refused(vol: Any, status: int, persona: str = "member", headers: Any = None,
             **volume: Any) -> dict[str, Any]:
    before = _count(vol)
    volume.setdefault("size", 1)
    resp = vol.as_(persona).post("/v3/volumes", json={"volume": volume}, headers=headers)
    assert resp.status_code == status, resp.text
    assert _count(vol) == before, "a refused create left a volume behind"
    return dict(resp.json())


# -- images ---------------------------------------------------------------------------------------
def test_own_image_is_used_with_the_callers_token(vol: Any, images: FakeImages) -> None:
    created = vol.create(imageRef=MINE, size=1)
    assert created["bootable"] == "true"
    assert created["volume_image_metadata"]["image_id"] == MINE
    assert created["volume_image_metadata"]["image_name"] == "mine"
    assert images.calls == [(token_for("member"), f"/v2/images/{MINE}")]


def test_public_image_by_id_link_or_name(vol: Any, images: FakeImages) -> None:
    assert vol.create(imageRef=PUBLIC, size=1)["volume_image_metadata"]["image_id"] == PUBLIC
    link = f"http://images.example/v2/images/{PUBLIC}"
    assert vol.create(imageRef=link, size=1)["volume_image_metadata"]["disk_format"] == "qcow2"
    assert vol.create(imageRef="public", size=1)["volume_image_metadata"]["image_id"] == PUBLIC


def test_a_copy_of_an_image_volume_knows_the_image(vol: Any, images: FakeImages) -> None:
    """A volume made from a snapshot or a clone of an image-backed volume keeps its
    ``volume_image_metadata`` and is bootable, as Cinder copies it."""
    source = vol.create(imageRef=MINE, size=1)
    clone = vol.create(source_volid=source["id"])
    assert clone["bootable"] == "true"
    assert clone["volume_image_metadata"]["image_id"] == MINE
    resp = vol.as_("member").post("/v3/snapshots", json={"snapshot": {"volume_id": source["id"]}})
    assert resp.status_code == 202, resp.text
    snap_id = resp.json()["snapshot"]["id"]
    deadline = time.monotonic() + 10
    while vol.as_("member").get(f"/v3/snapshots/{snap_id}").json()["snapshot"]["status"] \
            != "available" and time.monotonic() < deadline:
        time.sleep(0.02)
    copy = vol.create(snapshot_id=snap_id)
    assert copy["bootable"] == "true"
    assert copy["volume_image_metadata"]["image_name"] == "mine"


NOWHERE = "6a1d0000-0000-4000-8000-999999999999"


@pytest.mark.parametrize("ref", [THEIRS, NOWHERE, "", "   ", "../../etc/passwd",
                                 f"../../v2/images/{THEIRS}", "theirs", "%2e%2e%2f"])
def test_an_image_the_caller_cannot_see_is_refused(vol: Any, images: FakeImages,
                                                   ref: str) -> None:
    body = _refused(vol, 400, imageRef=ref)
    assert body["badRequest"]["message"] == ("Invalid image identifier or unable to access "
                                             "requested image.")
    # Only ever asked as the caller, and a path never reaches the image API's URL as one.
    assert {token for token, _ in images.calls} <= {token_for("member")}
    assert all(path.startswith(("/v2/images/", "/v2/images?")) and ".." not in path.split("?")[0]
               for _, path in images.calls)


def test_another_projects_private_image_is_theirs_only(vol: Any, images: FakeImages) -> None:
    _refused(vol, 400, imageRef=THEIRS)
    other = vol.as_("other").post("/v3/volumes", json={"volume": {"size": 1, "imageRef": THEIRS}})
    assert other.status_code == 202, other.text


@pytest.mark.parametrize(("ref", "size", "words"), [
    (QUEUED, 1, "is not active"),
    (BIG, 2, "larger than volume size"),
    (NEEDY, 2, "minDisk"),
])
def test_an_unusable_image_is_refused(vol: Any, images: FakeImages, ref: str, size: int,
                                      words: str) -> None:
    body = _refused(vol, 400, imageRef=ref, size=size)
    assert words in body["badRequest"]["message"]


def test_an_ambiguous_image_name_is_a_conflict(vol: Any, images: FakeImages) -> None:
    _refused(vol, 409, imageRef="twin")


def test_a_null_image_ref_is_a_blank_volume(vol: Any, images: FakeImages) -> None:
    assert vol.create(imageRef=None, size=1)["bootable"] == "false"
    assert images.calls == []


def test_reader_may_not_create_from_an_image(vol: Any, images: FakeImages) -> None:
    _refused(vol, 403, persona="reader", imageRef=MINE)


# -- snapshots, source volumes, backups -----------------------------------------------------------
def test_another_projects_snapshot_or_volume_is_not_found(vol: Any) -> None:
    theirs = vol.create("other")
    snap = vol.as_("other").post("/v3/snapshots", json={"snapshot": {"volume_id": theirs["id"]}})
    assert snap.status_code == 202
    snapshot_id = snap.json()["snapshot"]["id"]
    _refused(vol, 404, snapshot_id=snapshot_id)
    _refused(vol, 404, source_volid=theirs["id"])
    for ref in ("../../etc/passwd", "x" * 255):
        _refused(vol, 404, snapshot_id=ref)
        _refused(vol, 404, source_volid=ref)


def test_own_snapshot_and_volume_are_used(vol: Any) -> None:
    mine = vol.create(size=2)
    clone = vol.create(source_volid=mine["id"], size=None)
    assert clone["size"] == 2 and clone["source_volid"] == mine["id"]


def test_a_source_volume_must_be_usable(vol: Any) -> None:
    with vol.cloud.db.writer() as s:
        s.add(Volume(id="broken", project_id=project_of("member"), size=1, status="error",
                     attach_status="detached"))
    body = _refused(vol, 400, source_volid="broken")
    assert "status must be available or in-use" in body["badRequest"]["message"]


def test_a_backup_id_names_nothing_here(vol: Any) -> None:
    headers = {"OpenStack-API-Version": "volume 3.47"}
    body = _refused(vol, 404, headers=headers, backup_id=str(uuid.uuid4()))
    assert "Backup" in body["itemNotFound"]["message"]


def test_two_sources_are_refused(vol: Any, images: FakeImages) -> None:
    mine = vol.create()
    _refused(vol, 400, source_volid=mine["id"], imageRef=MINE)


# -- quota ----------------------------------------------------------------------------------------
def test_over_quota_leaves_nothing_behind(vol: Any, images: FakeImages,
                                          member_project: str) -> None:
    admin = vol.as_("admin")
    assert admin.put(f"/v3/os-quota-sets/{member_project}",
                     json={"quota_set": {"volumes": 1, "gigabytes": 5}}).status_code == 200
    _refused(vol, 413, size=6)
    vol.create(size=1)
    _refused(vol, 413, imageRef=MINE)


# -- hostile path segments and query values -------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/v3/volumes/%00", "/v3/volumes/a%00b/metadata", "/v3/snapshots/%00",
    "/v3/types/%00/extra_specs/k", "/v3/os-quota-sets/%00", "/v3/volumes/detail?name=%00",
    "/v3/volumes?marker=%00", "/v3/snapshots?status=a%00",
])
def test_nul_in_a_path_or_query_is_a_400(vol: Any, path: str) -> None:
    resp = vol.as_("admin").get(path)
    assert resp.status_code == 400, resp.text
    assert resp.json()["badRequest"]["code"] == 400


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_an_overlong_quota_project_is_a_400(vol: Any, method: str) -> None:
    kwargs = {"json": {"quota_set": {"volumes": 3}}} if method == "put" else {}
    resp = getattr(vol.as_("admin"), method)(f"/v3/os-quota-sets/{'p' * 65}", **kwargs)
    assert resp.status_code == 400, resp.text


@pytest.mark.parametrize("volume_id", ["%2e%2e", "x" * 5000, "%E2%80%AE", "%FF%FE",
                                       "' OR 1=1 --", "%0a", "%25"])
@pytest.mark.parametrize("method", ["get", "delete"])
def test_odd_ids_are_not_found(vol: Any, volume_id: str, method: str) -> None:
    resp = getattr(vol.as_("member"), method)(f"/v3/volumes/{volume_id}")
    assert resp.status_code == 404, resp.text


def test_compute_snapshot_of_a_volume_backed_server_makes_the_volume_from_its_snapshot(
        vol: Any, images: FakeImages) -> None:
    """From 3.46, as Cinder: the image compute made of a volume-backed server holds no data,
    only the volume snapshot of its root disk, and a volume made of it is made of that."""
    source = vol.create(imageRef=MINE, size=1)
    resp = vol.as_("member").post("/v3/snapshots", json={"snapshot": {"volume_id": source["id"]}})
    snap_id = resp.json()["snapshot"]["id"]
    deadline = time.monotonic() + 10
    while vol.as_("member").get(f"/v3/snapshots/{snap_id}").json()["snapshot"]["status"] \
            != "available" and time.monotonic() < deadline:
        time.sleep(0.02)
    nova_image = "6a1d0000-0000-4000-8000-00000000000a"
    images.images[nova_image] = {
        "id": nova_image, "name": "server-snap", "owner": project_of("member"), "size": 0,
        "visibility": "private", "status": "active",
        "block_device_mapping": json.dumps([{"boot_index": 0, "source_type": "snapshot",
                                             "destination_type": "volume",
                                             "snapshot_id": snap_id}])}

    def made(version: str) -> dict[str, Any]:
        resp = vol.as_("member").post("/v3/volumes", headers={
            "OpenStack-API-Version": f"volume {version}"}, json={"volume": {
                "imageRef": nova_image, "size": 1}})
        assert resp.status_code == 202, resp.text
        return vol.wait(resp.json()["volume"]["id"], "available")

    from_snapshot = made("3.46")
    assert from_snapshot["snapshot_id"] == snap_id and from_snapshot["size"] == 1
    assert from_snapshot["volume_image_metadata"]["image_id"] == MINE
    assert made("3.45")["snapshot_id"] is None
    images.images[nova_image]["block_device_mapping"] = json.dumps([{
        "boot_index": 0, "source_type": "snapshot", "snapshot_id": NOWHERE}])
    resp = vol.as_("member").post("/v3/volumes", headers={
        "OpenStack-API-Version": "volume 3.46"}, json={"volume": {"imageRef": nova_image,
                                                                  "size": 1}})
    assert resp.status_code == 400 and NOWHERE in resp.text, resp.text
