"""Generic volume groups: group types and their specs (3.11), groups (3.13), group snapshots
and groups made from a source (3.14), resets (3.19, 3.20), who may do what, and the faults."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from nimbus.volume.db import groups as db_groups
from nimbus.volume.db.models import Group, GroupSnapshot, GroupType, Snapshot, Volume

COVERS = [("volume", "group types and group specs (3.11), generic volume groups (3.13): "
                     "create, list, show, update add/remove volumes, delete with volumes, "
                     "reset_status (3.20), replication refused"),
          ("volume", "group snapshots (3.14, reset 3.19) and groups from a group snapshot or "
                     "a source group")]

V = {"OpenStack-API-Version": "volume 3.38"}


def _wait(client: Any, path: str, key: str, status: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        resp = client.get(path, headers=V)
        if status == "deleted" and resp.status_code == 404:
            return {}
        body = resp.json().get(key, {})
        if body.get("status") == status:
            return body
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {status}: {body}")


def _setup(vol: Any, persona: str = "member") -> tuple[str, str, dict[str, Any]]:
    """A volume type, a group type, and an available group of the persona's."""
    admin = vol.as_("admin")
    vtype = admin.post("/v3/types", json={"volume_type": {"name": "gold"}}).json()["volume_type"]
    resp = admin.post("/v3/group_types", headers=V, json={"group_type": {
        "name": "gt", "group_specs": {"consistent_group_snapshot_enabled": "<is> False"}}})
    assert resp.status_code == 202, resp.text
    gtype = resp.json()["group_type"]
    resp = vol.as_(persona).post("/v3/groups", headers=V, json={"group": {
        "name": "g1", "group_type": gtype["id"], "volume_types": [vtype["id"]]}})
    assert resp.status_code == 202, resp.text
    assert set(resp.json()["group"]) == {"id", "name"}
    group = _wait(vol.as_(persona), f"/v3/groups/{resp.json()['group']['id']}", "group",
                  "available")
    return vtype["id"], gtype["id"], group


def _member(vol: Any, vtype: str, group_id: str, persona: str = "member") -> dict[str, Any]:
    resp = vol.as_(persona).post("/v3/volumes", headers=V, json={"volume": {
        "size": 1, "volume_type": vtype, "group_id": group_id}})
    assert resp.status_code == 202, resp.text
    assert resp.json()["volume"]["group_id"] == group_id
    volume_id = resp.json()["volume"]["id"]
    vol.wait(volume_id, "available")
    return dict(vol.as_(persona).get(f"/v3/volumes/{volume_id}", headers=V).json()["volume"])


def test_group_type_crud_and_specs(vol: Any) -> None:
    admin = vol.as_("admin")
    resp = admin.post("/v3/group_types", headers=V, json={"group_type": {
        "name": "t1", "description": "d", "is_public": True, "group_specs": {"a": "1"}}})
    assert resp.status_code == 202
    gtype = resp.json()["group_type"]
    assert gtype["group_specs"] == {"a": "1"} and gtype["is_public"] is True
    assert admin.post("/v3/group_types", headers=V,
                      json={"group_type": {"name": "t1"}}).status_code == 409
    path = f"/v3/group_types/{gtype['id']}"
    updated = admin.put(path, headers=V, json={"group_type": {"name": "t2",
                                                               "description": "e"}})
    assert updated.status_code == 200 and updated.json()["group_type"]["name"] == "t2"
    assert admin.put(path, headers=V, json={"group_type": {}}).status_code == 400
    assert admin.put(path, headers=V, json={"group_type": {"name": "  "}}).status_code == 400
    # Specs: create/update, show one, update one, list, delete.
    resp = admin.post(f"{path}/group_specs", headers=V,
                      json={"group_specs": {"k1": "v1", "k2": "v2"}})
    assert resp.status_code == 202 and resp.json() == {"group_specs": {"k1": "v1", "k2": "v2"}}
    assert admin.get(f"{path}/group_specs/k1", headers=V).json() == {"k1": "v1"}
    assert admin.put(f"{path}/group_specs/k1", headers=V,
                     json={"k1": "new"}).json() == {"k1": "new"}
    assert admin.put(f"{path}/group_specs/k1", headers=V, json={"k2": "x"}).status_code == 400
    assert admin.get(f"{path}/group_specs", headers=V).json()["group_specs"] == {
        "a": "1", "k1": "new", "k2": "v2"}
    assert admin.delete(f"{path}/group_specs/k1", headers=V).status_code == 202
    assert admin.get(f"{path}/group_specs/k1", headers=V).status_code == 404
    assert admin.delete(f"{path}/group_specs/k1", headers=V).status_code == 404
    # Private types: listed for admins when asked, hidden from the others.
    private = admin.post("/v3/group_types", headers=V, json={"group_type": {
        "name": "hidden", "is_public": False}}).json()["group_type"]
    names = [t["name"] for t in admin.get("/v3/group_types?is_public=false",
                                          headers=V).json()["group_types"]]
    assert names == ["hidden"]
    member = vol.as_("member")
    member_view = member.get("/v3/group_types", headers=V).json()["group_types"]
    assert "hidden" not in [t["name"] for t in member_view]
    assert all("group_specs" not in t for t in member_view)
    assert member.get(f"/v3/group_types/{private['id']}", headers=V).status_code == 404
    ordered = admin.get("/v3/group_types?sort=name:desc&is_public=None",
                        headers=V).json()["group_types"]
    assert [t["name"] for t in ordered] == ["t2", "hidden"]
    # No default group type unless the operator names one.
    assert admin.get("/v3/group_types/default", headers=V).status_code == 404
    assert admin.delete(path, headers=V).status_code == 202
    assert admin.get(path, headers=V).status_code == 404


def test_group_types_need_3_11(vol: Any) -> None:
    old = {"OpenStack-API-Version": "volume 3.10"}
    assert vol.as_("admin").get("/v3/group_types", headers=old).status_code == 404


@pytest.mark.parametrize(("persona", "expected"), [
    ("admin", 202), ("member", 403), ("reader", 403), ("other", 403)])
def test_group_type_create_is_an_admins(vol: Any, persona: str, expected: int) -> None:
    resp = vol.as_(persona).post("/v3/group_types", headers=V,
                                 json={"group_type": {"name": f"t-{persona}"}})
    assert resp.status_code == expected


def test_group_lifecycle(vol: Any) -> None:
    vtype, gtype, group = _setup(vol)
    member = vol.as_("member")
    assert group["group_type"] == gtype and group["volume_types"] == [vtype]
    assert group["replication_status"] == "disabled"
    # A volume made into the group lives on the group's backend, and shows its group (3.13).
    first = _member(vol, vtype, group["id"])
    second = _member(vol, vtype, group["id"])
    assert first["group_id"] == group["id"]
    admin_view = vol.as_("admin").get(f"/v3/volumes/{first['id']}", headers=V).json()["volume"]
    assert admin_view["os-vol-host-attr:host"].endswith("#fake")
    # ... and cannot be deleted on its own.
    assert member.delete(f"/v3/volumes/{first['id']}").status_code == 400
    path = f"/v3/groups/{group['id']}"
    shown = member.get(f"{path}?list_volume=true", headers=V).json()["group"]
    assert sorted(shown["volumes"]) == sorted([first["id"], second["id"]])
    assert member.put(path, headers=V, json={"group": {
        "name": "renamed", "remove_volumes": second["id"]}}).status_code == 202
    shown = member.get(path, headers=V).json()["group"]
    assert shown["name"] == "renamed" and "volumes" not in shown
    assert member.get(f"/v3/volumes/{second['id']}", headers=V).json()["volume"][
        "group_id"] is None
    assert member.put(path, headers=V, json={"group": {
        "add_volumes": second["id"]}}).status_code == 202
    assert member.get(f"/v3/volumes/{second['id']}", headers=V).json()["volume"][
        "group_id"] == group["id"]
    # Nothing to change, and a volume both added and removed, are refused.
    assert member.put(path, headers=V, json={"group": {"name": "renamed"}}).status_code == 400
    assert member.put(path, headers=V, json={"group": {
        "add_volumes": first["id"], "remove_volumes": first["id"]}}).status_code == 400
    listed = member.get("/v3/groups/detail", headers=V).json()["groups"]
    assert [g["id"] for g in listed] == [group["id"]]
    assert member.get("/v3/groups", headers=V).json()["groups"] == [
        {"id": group["id"], "name": "renamed"}]
    # A group with volumes goes only with them.
    resp = member.post(f"{path}/action", headers=V, json={"delete": {"delete-volumes": False}})
    assert resp.status_code == 400 and "delete-volumes" in resp.text
    assert member.post(f"{path}/action", headers=V,
                       json={"delete": {"delete-volumes": True}}).status_code == 202
    _wait(member, path, "group", "deleted")
    for volume in (first, second):
        vol.wait(volume["id"], "deleted")


def test_add_volume_checks(vol: Any) -> None:
    vtype, _, group = _setup(vol)
    member = vol.as_("member")
    path = f"/v3/groups/{group['id']}"
    untyped = vol.create("member")
    resp = member.put(path, headers=V, json={"group": {"add_volumes": untyped["id"]}})
    assert resp.status_code == 400 and "not supported by the group" in resp.text
    resp = member.put(path, headers=V, json={"group": {"add_volumes": "nope"}})
    assert resp.status_code == 400 and "cannot be found" in resp.text
    theirs = vol.create("other", volume_type=vtype)
    resp = member.put(path, headers=V, json={"group": {"add_volumes": theirs["id"]}})
    assert resp.status_code == 400 and "different projects" in resp.text
    resp = member.put(path, headers=V, json={"group": {"remove_volumes": untyped["id"]}})
    assert resp.status_code == 400 and "not in the group" in resp.text
    # A volume created into the group must name one of its types.
    resp = member.post("/v3/volumes", headers=V, json={"volume": {
        "size": 1, "group_id": group["id"]}})
    assert resp.status_code == 400 and "volume_type must be provided" in resp.text
    resp = member.post("/v3/volumes", headers=V, json={"volume": {
        "size": 1, "group_id": "nope", "volume_type": vtype}})
    assert resp.status_code == 404


def test_group_faults(vol: Any) -> None:
    member = vol.as_("member")
    resp = member.post("/v3/groups", headers=V, json={"group": {
        "group_type": "nope", "volume_types": ["__DEFAULT__"]}})
    assert resp.status_code == 404 and "nope" in resp.text
    gtype = vol.as_("admin").post("/v3/group_types", headers=V, json={
        "group_type": {"name": "gt"}}).json()["group_type"]
    resp = member.post("/v3/groups", headers=V, json={"group": {
        "group_type": gtype["id"], "volume_types": ["nope"]}})
    assert resp.status_code == 404 and "nope" in resp.text
    resp = member.post("/v3/groups", headers=V, json={"group": {"group_type": gtype["id"]}})
    assert resp.status_code == 400 and "volume_types" in resp.text
    assert member.get("/v3/groups/nope", headers=V).status_code == 404
    old = {"OpenStack-API-Version": "volume 3.12"}
    assert member.get("/v3/groups", headers=old).status_code == 404
    # The group type is in use while a group has it.
    group = member.post("/v3/groups", headers=V, json={"group": {
        "group_type": "gt", "volume_types": ["__DEFAULT__"]}}).json()["group"]
    assert vol.as_("admin").delete(f"/v3/group_types/{gtype['id']}",
                                   headers=V).status_code == 400
    default = member.get("/v3/types/default").json()["volume_type"]["id"]
    assert vol.as_("admin").delete(f"/v3/types/{default}").status_code == 400
    # Replication is refused: the type does not ask for it.
    resp = member.post(f"/v3/groups/{group['id']}/action", headers=V,
                       json={"enable_replication": {}})
    assert resp.status_code == 400 and "not a replication group type" in resp.text
    # reset_status needs 3.20 and an admin.
    resp = member.post(f"/v3/groups/{group['id']}/action", headers=V,
                       json={"reset_status": {"status": "error"}})
    assert resp.status_code == 403


def test_reset_group_status(vol: Any) -> None:
    _, _, group = _setup(vol)
    admin = vol.as_("admin")
    path = f"/v3/groups/{group['id']}"
    old = {"OpenStack-API-Version": "volume 3.19"}
    assert admin.post(f"{path}/action", headers=old,
                      json={"reset_status": {"status": "error"}}).status_code == 404
    for status in ("creating", "available", "error"):
        assert admin.post(f"{path}/action", headers=V,
                          json={"reset_status": {"status": status}}).status_code == 202
        assert admin.get(path, headers=V).json()["group"]["status"] == status
    assert admin.post(f"{path}/action", headers=V,
                      json={"reset_status": {"status": "bogus"}}).status_code == 400


def test_group_snapshot_and_groups_from_sources(vol: Any) -> None:
    vtype, _, group = _setup(vol)
    member = vol.as_("member")
    volume = _member(vol, vtype, group["id"])
    resp = member.post("/v3/group_snapshots", headers=V, json={"group_snapshot": {
        "group_id": group["id"], "name": "gs"}})
    assert resp.status_code == 202, resp.text
    assert set(resp.json()["group_snapshot"]) == {"id", "name", "group_type_id"}
    gsnap_id = resp.json()["group_snapshot"]["id"]
    gsnap = _wait(member, f"/v3/group_snapshots/{gsnap_id}", "group_snapshot", "available")
    assert gsnap["group_id"] == group["id"]
    snaps = member.get("/v3/snapshots/detail", headers=V).json()["snapshots"]
    assert [(s["volume_id"], s["group_snapshot_id"]) for s in snaps] == [(volume["id"],
                                                                          gsnap_id)]
    # A member snapshot goes with its group snapshot, never alone; the group stays while it
    # has snapshots.
    assert member.delete(f"/v3/snapshots/{snaps[0]['id']}").status_code == 400
    resp = member.post(f"/v3/groups/{group['id']}/action", headers=V,
                       json={"delete": {"delete-volumes": True}})
    assert resp.status_code == 400 and "snapshots" in resp.text
    # A group from the group snapshot, and one from the group.
    made = []
    for source in ({"group_snapshot_id": gsnap_id}, {"source_group_id": group["id"]}):
        resp = member.post("/v3/groups/action", headers=V, json={"create-from-src": {
            "name": "copy", **source}})
        assert resp.status_code == 202, resp.text
        copy = _wait(member, f"/v3/groups/{resp.json()['group']['id']}", "group",
                     "available")
        assert copy["volume_types"] == [vtype]
        assert copy.get("group_snapshot_id") == source.get("group_snapshot_id")
        made.append(copy["id"])
    volumes = member.get("/v3/volumes/detail", headers=V).json()["volumes"]
    assert sorted(v["group_id"] for v in volumes) == sorted([group["id"], *made])
    assert {v["status"] for v in volumes} == {"available"}
    # Deleting the group snapshot takes its snapshots.
    assert member.delete(f"/v3/group_snapshots/{gsnap_id}", headers=V).status_code == 202
    _wait(member, f"/v3/group_snapshots/{gsnap_id}", "group_snapshot", "deleted")
    assert member.get("/v3/snapshots", headers=V).json()["snapshots"] == []
    for group_id in [group["id"], *made]:
        assert member.post(f"/v3/groups/{group_id}/action", headers=V,
                           json={"delete": {"delete-volumes": True}}).status_code == 202
        _wait(member, f"/v3/groups/{group_id}", "group", "deleted")


def test_group_sources_faults(vol: Any) -> None:
    _, _, group = _setup(vol)
    member = vol.as_("member")
    resp = member.post("/v3/groups/action", headers=V, json={"create-from-src": {
        "source_group_id": group["id"]}})
    assert resp.status_code == 400 and "empty" in resp.text
    resp = member.post("/v3/groups/action", headers=V, json={"create-from-src": {
        "source_group_id": group["id"], "group_snapshot_id": group["id"]}})
    assert resp.status_code == 400
    resp = member.post("/v3/groups/action", headers=V, json={"create-from-src": {
        "group_snapshot_id": "nope"}})
    assert resp.status_code == 404
    # An empty group's snapshot is complete at once, and makes no group.
    resp = member.post("/v3/group_snapshots", headers=V, json={"group_snapshot": {
        "group_id": group["id"]}})
    gsnap = member.get(f"/v3/group_snapshots/{resp.json()['group_snapshot']['id']}",
                       headers=V).json()["group_snapshot"]
    assert gsnap["status"] == "available"
    resp = member.post("/v3/groups/action", headers=V, json={"create-from-src": {
        "group_snapshot_id": gsnap["id"]}})
    assert resp.status_code == 400 and "empty" in resp.text
    admin = vol.as_("admin")
    gpath = f"/v3/group_snapshots/{gsnap['id']}"
    assert admin.post(f"{gpath}/action", headers={"OpenStack-API-Version": "volume 3.18"},
                      json={"reset_status": {"status": "error"}}).status_code == 404
    for status in ("creating", "available", "error"):
        assert admin.post(f"{gpath}/action", headers=V,
                          json={"reset_status": {"status": status}}).status_code == 202
        assert admin.get(gpath, headers=V).json()["group_snapshot"]["status"] == status
    assert member.post(f"{gpath}/action", headers=V,
                       json={"reset_status": {"status": "error"}}).status_code == 403


def test_groups_quota(vol: Any, member_project: str) -> None:
    _, gtype, _ = _setup(vol)
    admin = vol.as_("admin")
    assert admin.put(f"/v3/os-quota-sets/{member_project}", json={
        "quota_set": {"groups": 1}}).status_code == 200
    usage = admin.get(f"/v3/os-quota-sets/{member_project}?usage=true").json()["quota_set"]
    assert usage["groups"]["in_use"] == 1
    resp = vol.as_("member").post("/v3/groups", headers=V, json={"group": {
        "group_type": gtype, "volume_types": ["gold"]}})
    assert resp.status_code == 413 and "groups allowed (1)" in resp.text


def test_group_protection(vol: Any) -> None:
    vtype, _, group = _setup(vol)
    volume = _member(vol, vtype, group["id"])
    path = f"/v3/groups/{group['id']}"
    reader, other = vol.as_("reader"), vol.as_("other")
    assert reader.get(path, headers=V).status_code == 200
    assert reader.post("/v3/groups", headers=V, json={"group": {
        "group_type": "gt", "volume_types": [vtype]}}).status_code == 403
    assert reader.put(path, headers=V, json={"group": {"name": "x"}}).status_code == 403
    assert reader.post(f"{path}/action", headers=V, json={"delete": {}}).status_code == 403
    assert reader.post("/v3/group_snapshots", headers=V, json={"group_snapshot": {
        "group_id": group["id"]}}).status_code == 403
    assert other.get(path, headers=V).status_code == 404
    assert other.put(path, headers=V, json={"group": {"name": "x"}}).status_code == 404
    assert other.post(f"{path}/action", headers=V, json={"delete": {}}).status_code == 404
    assert other.post("/v3/group_snapshots", headers=V, json={"group_snapshot": {
        "group_id": group["id"]}}).status_code == 404
    assert other.post("/v3/groups/action", headers=V, json={"create-from-src": {
        "source_group_id": group["id"]}}).status_code == 404
    assert other.get("/v3/groups", headers=V).json()["groups"] == []
    # A volume of another project cannot be created into the group.
    assert other.post("/v3/volumes", headers=V, json={"volume": {
        "size": 1, "volume_type": vtype, "group_id": group["id"]}}).status_code == 404
    resp = vol.as_("member").post("/v3/group_snapshots", headers=V, json={"group_snapshot": {
        "group_id": group["id"]}})
    gpath = f"/v3/group_snapshots/{resp.json()['group_snapshot']['id']}"
    _wait(vol.as_("member"), gpath, "group_snapshot", "available")
    assert reader.get(gpath, headers=V).status_code == 200
    assert reader.delete(gpath, headers=V).status_code == 403
    assert other.get(gpath, headers=V).status_code == 404
    assert other.delete(gpath, headers=V).status_code == 404
    assert other.get("/v3/group_snapshots", headers=V).json()["group_snapshots"] == []
    # An admin sees every project's with all_tenants.
    listed = vol.as_("admin").get("/v3/groups?all_tenants=1", headers=V).json()["groups"]
    assert group["id"] in [g["id"] for g in listed]
    assert volume["group_id"] == group["id"]


def test_a_group_follows_its_members(vol: Any, member_project: str) -> None:
    """A group being made is available once its volumes are, error when one failed; one being
    deleted goes with its last volume, or is error_deleting when one could not be deleted. A
    group snapshot likewise."""
    db = vol.cloud.db
    with db.writer() as s:
        s.add(GroupType(id="gt", name="gt"))
        s.flush()
        for group_id, status in (("made", "creating"), ("failed", "creating"),
                                 ("going", "deleting"), ("stuck", "deleting")):
            s.add(Group(id=group_id, project_id=member_project, status=status,
                        group_type_id="gt"))
        s.flush()
        for volume_id, group_id, status in (("v1", "made", "available"),
                                            ("v2", "failed", "error"),
                                            ("v3", "failed", "available"),
                                            ("v4", "stuck", "error_deleting")):
            s.add(Volume(id=volume_id, project_id=member_project, size=1, status=status,
                         attach_status="detached", group_id=group_id))
        s.flush()
        s.add(GroupSnapshot(id="gs", group_id="made", project_id=member_project,
                            status="creating", group_type_id="gt"))
        s.flush()
        s.add(Snapshot(id="s1", volume_id="v1", project_id=member_project, size=1,
                       status="error", group_snapshot_id="gs"))
    with db.writer() as s:
        for group_id in ("made", "failed", "going", "stuck"):
            db_groups.settle_group(s, group_id)
        db_groups.settle_group_snapshot(s, "gs")
    with db.reader() as s:
        found = {g.id: g.status for g in s.scalars(select(Group))}
        assert found == {"made": "available", "failed": "error", "stuck": "error_deleting"}
        assert s.get(GroupSnapshot, "gs").status == "error"
