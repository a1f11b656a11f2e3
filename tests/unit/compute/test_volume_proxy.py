"""``os-volumes`` and ``os-snapshots``: Nova's proxies to the block-storage API, in Nova's views,
as each caller's own project sees the volumes, and gone from 2.36 on."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from nimbus.core.errors import BadRequest, NotFound, PayloadTooLarge
from tests.support.personas import ADMIN_PROJECT, OTHER_PROJECT, PROJECT

V236 = {"OpenStack-API-Version": "compute 2.36"}
V235 = {"OpenStack-API-Version": "compute 2.35"}


class ProjectVolumes:
    """Cinder as each caller sees it: its own project's volumes and snapshots only. Without a
    caller's token it sees nothing, so a proxy that forgot the token would find nothing."""

    def __init__(self) -> None:
        self.volumes: dict[str, dict[str, Any]] = {}
        self.snapshots: dict[str, dict[str, Any]] = {}
        self.project: str | None = None
        self.made_by: list[str | None] = []

    def acting_for(self, token: str | None, project_id: str | None) -> ProjectVolumes:
        assert token, "the proxy acts with the caller's token"
        view = copy.copy(self)
        view.project = project_id
        return view

    def _visible(self, item: dict[str, Any] | None) -> bool:
        return item is not None and item["project"] == self.project

    def add(self, project: str = PROJECT, **fields: Any) -> str:
        ident = str(uuid.uuid4())
        self.volumes[ident] = {"id": ident, "project": project, "status": "available",
                               "size": 1, "availability_zone": "nova", "name": "v",
                               "description": None, "volume_type": "__DEFAULT__",
                               "snapshot_id": None, "metadata": {}, "attachments": [],
                               "created_at": "2024-05-01T12:00:00.000000", **fields}
        return ident

    def list_volumes(self) -> list[dict[str, Any]]:
        return [dict(v) for v in self.volumes.values() if self._visible(v)]

    def get_volume(self, volume_id: str) -> dict[str, Any]:
        found = self.volumes.get(volume_id)
        if not self._visible(found):
            raise NotFound(f"Volume {volume_id} could not be found.")
        return dict(found or {})

    def create_volume(self, spec: dict[str, Any]) -> dict[str, Any]:
        if spec["size"] > 1000:
            raise PayloadTooLarge(reason="VolumeSizeExceedsAvailableQuota")
        self.made_by.append(self.project)
        ident = self.add(str(self.project), status="creating", size=spec["size"],
                         name=spec.get("name"), description=spec.get("description"),
                         metadata=dict(spec.get("metadata") or {}),
                         snapshot_id=spec.get("snapshot_id"))
        return dict(self.volumes[ident])

    def delete_volume(self, volume_id: str, *, missing_ok: bool = True) -> None:
        volume = self.get_volume(volume_id)
        if volume["status"] == "in-use":
            raise BadRequest("Invalid volume: Volume status must be available or error.")
        del self.volumes[volume_id]

    def create_snapshot(self, volume_id: str, name: str | None, force: bool = False,
                        description: str | None = None) -> dict[str, Any]:
        volume = self.get_volume(volume_id)
        if volume["status"] == "in-use" and not force:
            raise BadRequest("Invalid volume: must be available")
        ident = str(uuid.uuid4())
        self.snapshots[ident] = {"id": ident, "project": self.project, "volume_id": volume_id,
                                 "status": "creating", "size": volume["size"], "name": name,
                                 "description": description,
                                 "created_at": "2024-05-01T12:00:00.000000"}
        return dict(self.snapshots[ident])

    def list_snapshots(self) -> list[dict[str, Any]]:
        return [dict(s) for s in self.snapshots.values() if self._visible(s)]

    def get_snapshot(self, snapshot_id: str) -> dict[str, Any]:
        found = self.snapshots.get(snapshot_id)
        if not self._visible(found):
            raise NotFound(f"Snapshot {snapshot_id} could not be found.")
        return dict(found or {})

    def delete_snapshot(self, snapshot_id: str, *, missing_ok: bool = True) -> None:
        self.get_snapshot(snapshot_id)
        del self.snapshots[snapshot_id]


@pytest.fixture
def proxy(make_compute: Any) -> Any:
    compute = make_compute(workers=False)
    cinder = ProjectVolumes()
    compute.state.volume_proxy.volumes = cinder
    compute.cinder = cinder
    return compute


def _create(proxy: Any, persona: str = "member", **volume: Any) -> Any:
    return proxy.as_(persona).post("/v2.1/os-volumes",
                                   json={"volume": {"size": 1, **volume}})


def test_create_show_list_delete_in_novas_words(proxy: Any) -> None:
    resp = _create(proxy, display_name="data", display_description="scratch",
                   metadata={"purpose": "test"})
    assert resp.status_code == 200, resp.text
    made = resp.json()["volume"]
    assert resp.headers["location"].endswith(f"/v2.1/os-volumes/{made['id']}")
    assert made["displayName"] == "data" and made["displayDescription"] == "scratch"
    assert made["metadata"] == {"purpose": "test"} and made["attachments"] == [{}]
    assert set(made) == {"id", "status", "size", "availabilityZone", "createdAt",
                         "attachments", "displayName", "displayDescription", "volumeType",
                         "snapshotId", "metadata"}
    # Made in the caller's project, with the caller's token.
    assert proxy.cinder.made_by == [PROJECT]
    shown = proxy.as_("reader").get(f"/v2.1/os-volumes/{made['id']}").json()["volume"]
    assert shown["id"] == made["id"] and shown["availabilityZone"] == "nova"
    for path in ("/v2.1/os-volumes", "/v2.1/os-volumes/detail"):
        assert [v["id"] for v in proxy.as_("reader").get(path).json()["volumes"]] == [made["id"]]
    assert proxy.as_("member").delete(f"/v2.1/os-volumes/{made['id']}").status_code == 202
    assert proxy.as_("member").get(f"/v2.1/os-volumes/{made['id']}").status_code == 404


def test_another_projects_user_cannot_see_this_projects_volumes(proxy: Any) -> None:
    mine = proxy.cinder.add(PROJECT)
    theirs = proxy.cinder.add(OTHER_PROJECT)
    assert [v["id"] for v in proxy.as_("other").get("/v2.1/os-volumes").json()["volumes"]] \
        == [theirs]
    for method in ("get", "delete"):
        resp = getattr(proxy.as_("other"), method)(f"/v2.1/os-volumes/{mine}")
        assert resp.status_code == 404, resp.text
        assert resp.json()["itemNotFound"]["message"] == f"Volume {mine} could not be found."
    assert mine in proxy.cinder.volumes
    # An administrator's view is its own project's, as Cinder lists it without all_tenants.
    assert proxy.as_("admin").get("/v2.1/os-volumes").json()["volumes"] == []
    assert proxy.cinder.add(ADMIN_PROJECT) in {
        v["id"] for v in proxy.as_("admin").get("/v2.1/os-volumes").json()["volumes"]}


def test_gone_from_2_36(proxy: Any) -> None:
    vol = proxy.cinder.add(PROJECT)
    assert proxy.as_("member").get("/v2.1/os-volumes", headers=V235).status_code == 200
    for method, path in (("get", "/v2.1/os-volumes"), ("get", f"/v2.1/os-volumes/{vol}"),
                         ("get", "/v2.1/os-volumes/detail"), ("delete", f"/v2.1/os-volumes/{vol}"),
                         ("get", "/v2.1/os-snapshots")):
        resp = getattr(proxy.as_("member"), method)(path, headers=V236)
        assert resp.status_code == 404, (method, path)
    resp = proxy.as_("member").post("/v2.1/os-volumes", json={"volume": {"size": 1}},
                                    headers=V236)
    assert resp.status_code == 404
    assert vol in proxy.cinder.volumes


@pytest.mark.parametrize("volume", [{"size": 0}, {"size": "#$%"}, {"display_name": "x"},
                                    {"size": 1, "bogus": True}])
def test_bad_create_bodies_are_400(proxy: Any, volume: dict[str, Any]) -> None:
    resp = proxy.as_("member").post("/v2.1/os-volumes", json={"volume": volume})
    assert resp.status_code == 400, resp.text
    assert proxy.cinder.volumes == {}


def test_cinder_refusals_become_novas_faults(proxy: Any) -> None:
    # Over quota: Nova's 403.
    assert _create(proxy, size=5000).status_code == 403
    # An unknown snapshot to make the volume from: 404, before Cinder is asked to make it.
    resp = _create(proxy, snapshot_id=str(uuid.uuid4()))
    assert resp.status_code == 404 and proxy.cinder.made_by == []
    # A volume in use cannot be deleted: 400.
    used = proxy.cinder.add(PROJECT, status="in-use")
    assert proxy.as_("member").delete(f"/v2.1/os-volumes/{used}").status_code == 400


def test_an_empty_id_is_a_404_not_the_list(proxy: Any) -> None:
    proxy.cinder.add(PROJECT)
    for path in ("/v2.1/os-volumes/", "/v2.1/os-snapshots/"):
        assert proxy.as_("member").get(path).status_code == 404
        assert proxy.as_("member").delete(path).status_code == 404
    assert len(proxy.cinder.volumes) == 1


def test_policy_readers_read_members_write(proxy: Any) -> None:
    assert _create(proxy, "reader").status_code == 403
    vol = proxy.cinder.add(PROJECT)
    assert proxy.as_("reader").delete(f"/v2.1/os-volumes/{vol}").status_code == 403
    assert proxy.as_("reader").get(f"/v2.1/os-volumes/{vol}").status_code == 200


def test_an_attached_volume_shows_its_first_attachment(proxy: Any) -> None:
    server = str(uuid.uuid4())
    vol = proxy.cinder.add(PROJECT, status="in-use", attachments=[
        {"server_id": server, "attachment_id": "a1", "device": "/dev/vdb"},
        {"server_id": str(uuid.uuid4()), "attachment_id": "a2", "device": "/dev/vdc"}])
    shown = proxy.as_("member").get(f"/v2.1/os-volumes/{vol}").json()["volume"]
    assert shown["attachments"] == [{"id": vol, "volumeId": vol, "serverId": server,
                                     "device": "/dev/vdb"}]


def test_offset_and_limit_slice_the_list(proxy: Any) -> None:
    made = [proxy.cinder.add(PROJECT) for _ in range(5)]
    page = proxy.as_("member").get("/v2.1/os-volumes?offset=1&limit=2").json()["volumes"]
    assert [v["id"] for v in page] == made[1:3]
    assert proxy.as_("member").get("/v2.1/os-volumes?limit=x").status_code == 400


def test_snapshots_create_list_show_delete(proxy: Any) -> None:
    vol = proxy.cinder.add(PROJECT, size=3, status="in-use")
    body = {"snapshot": {"volume_id": vol, "display_name": "snap"}}
    # In use: only with force.
    assert proxy.as_("member").post("/v2.1/os-snapshots", json=body).status_code == 400
    body["snapshot"]["force"] = "true"
    resp = proxy.as_("member").post("/v2.1/os-snapshots", json=body)
    assert resp.status_code == 200, resp.text
    snap = resp.json()["snapshot"]
    assert snap["volumeId"] == vol and snap["size"] == 3 and snap["displayName"] == "snap"
    assert set(snap) == {"id", "volumeId", "status", "size", "createdAt", "displayName",
                         "displayDescription"}
    for path in ("/v2.1/os-snapshots", "/v2.1/os-snapshots/detail"):
        listed = proxy.as_("reader").get(path).json()["snapshots"]
        assert [s["id"] for s in listed] == [snap["id"]]
        assert proxy.as_("other").get(path).json()["snapshots"] == []
    assert proxy.as_("other").get(f"/v2.1/os-snapshots/{snap['id']}").status_code == 404
    assert proxy.as_("other").delete(f"/v2.1/os-snapshots/{snap['id']}").status_code == 404
    assert proxy.as_("member").get(f"/v2.1/os-snapshots/{snap['id']}").status_code == 200
    assert proxy.as_("member").delete(f"/v2.1/os-snapshots/{snap['id']}").status_code == 202
    assert proxy.cinder.snapshots == {}
    # Of a volume the caller cannot see: 404.
    other = proxy.cinder.add(OTHER_PROJECT)
    resp = proxy.as_("member").post("/v2.1/os-snapshots",
                                    json={"snapshot": {"volume_id": other}})
    assert resp.status_code == 404
