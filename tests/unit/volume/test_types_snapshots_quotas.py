"""Volume types, snapshots, quotas, limits and availability zones."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from nimbus.volume.manager.types import TypeManager
from nimbus.volume.schemas import attachments, snapshots, types, volumes


@pytest.mark.parametrize("schema", [
    volumes.CREATE, volumes.UPDATE, volumes.METADATA_BODY, volumes.META_ITEM_BODY,
    attachments.CREATE, attachments.UPDATE, types.CREATE, types.UPDATE, types.EXTRA_SPECS_BODY,
    snapshots.CREATE, snapshots.UPDATE,
])
def test_schemas_are_valid_json_schema(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)


def test_default_type_bootstrap_is_idempotent(vol: Any) -> None:
    manager = TypeManager(vol.cloud.db)
    assert manager.bootstrap()["id"] == manager.bootstrap()["id"]
    default = vol.as_("member").get("/v3/types/default").json()["volume_type"]
    assert default["name"] == "__DEFAULT__" and default["is_public"] is True


def test_type_crud_and_use(vol: Any) -> None:
    admin = vol.as_("admin")
    resp = admin.post("/v3/types", json={"volume_type": {
        "name": "fast", "description": "ssd", "extra_specs": {"volume_backend_name": "fake"}}})
    assert resp.status_code == 200
    vtype = resp.json()["volume_type"]
    assert vtype["extra_specs"] == {"volume_backend_name": "fake"}
    # The shapes tempest checks: create names no QoS specs; update no extension fields.
    assert "qos_specs_id" not in vtype and vtype["os-volume-type-access:is_public"] is True
    assert admin.post("/v3/types", json={"volume_type": {"name": "fast"}}).status_code == 409
    created = vol.create(volume_type="fast")
    assert created["volume_type"] == "fast"
    assert admin.delete(f"/v3/types/{vtype['id']}").status_code == 400
    resp = admin.put(f"/v3/types/{vtype['id']}", json={"volume_type": {"description": "new"}})
    assert resp.json()["volume_type"]["description"] == "new"
    assert set(resp.json()["volume_type"]) == {"id", "name", "description", "is_public",
                                               "extra_specs"}
    specs = admin.get(f"/v3/types/{vtype['id']}/extra_specs").json()
    assert specs == {"extra_specs": {"volume_backend_name": "fake"}}
    member_view = vol.as_("member").get(f"/v3/types/{vtype['id']}").json()["volume_type"]
    assert member_view["extra_specs"] == {}
    default_id = admin.get("/v3/types/default").json()["volume_type"]["id"]
    assert admin.delete(f"/v3/types/{default_id}").status_code == 400
    assert admin.get("/v3/types/nope").status_code == 404


def test_a_multiattach_type_makes_multiattach_volumes(vol: Any) -> None:
    admin = vol.as_("admin")
    assert admin.post("/v3/types", json={"volume_type": {
        "name": "shared", "extra_specs": {"multiattach": "<is> True"}}}).status_code == 200
    assert vol.create(volume_type="shared")["multiattach"] is True
    assert vol.create()["multiattach"] is False


def test_snapshot_lifecycle(vol: Any) -> None:
    volume_id = vol.create(size=2)["id"]
    member = vol.as_("member")
    resp = member.post("/v3/snapshots", json={"snapshot": {"volume_id": volume_id,
                                                          "name": "snap"}})
    assert resp.status_code == 202
    snap = resp.json()["snapshot"]
    assert snap["size"] == 2 and snap["name"] == "snap"
    for _ in range(200):
        status = member.get(f"/v3/snapshots/{snap['id']}").json()["snapshot"]["status"]
        if status == "available":
            break
    assert status == "available"
    assert member.delete(f"/v3/volumes/{volume_id}").status_code == 400
    from_snap = vol.create(snapshot_id=snap["id"], size=None)
    assert from_snap["size"] == 2 and from_snap["snapshot_id"] == snap["id"]
    listed = member.get("/v3/snapshots/detail").json()["snapshots"]
    assert [s["id"] for s in listed] == [snap["id"]]
    assert member.delete(f"/v3/snapshots/{snap['id']}").status_code == 202
    for _ in range(200):
        if member.get(f"/v3/snapshots/{snap['id']}").status_code == 404:
            break
    assert member.get(f"/v3/snapshots/{snap['id']}").status_code == 404
    assert member.delete(f"/v3/volumes/{volume_id}").status_code == 202


def test_cascade_delete_removes_snapshots(vol: Any) -> None:
    volume_id = vol.create()["id"]
    member = vol.as_("member")
    member.post("/v3/snapshots", json={"snapshot": {"volume_id": volume_id}})
    resp = member.delete(f"/v3/volumes/{volume_id}", params={"cascade": "true"})
    assert resp.status_code == 202
    vol.wait(volume_id, "deleted", "member")
    assert member.get("/v3/snapshots").json()["snapshots"] == []


def test_quotas_and_limits(vol: Any, member_project: str) -> None:
    vol.create(size=4)
    member = vol.as_("member")
    quota = member.get(f"/v3/os-quota-sets/{member_project}",
                       params={"usage": "True"}).json()["quota_set"]
    assert quota["id"] == member_project
    assert quota["volumes"]["in_use"] == 1 and quota["gigabytes"]["in_use"] == 4
    defaults = member.get(f"/v3/os-quota-sets/{member_project}/defaults").json()["quota_set"]
    assert defaults["volumes"] == 10 and defaults["gigabytes"] == 1000
    absolute = member.get("/v3/limits").json()["limits"]["absolute"]
    assert absolute["totalVolumesUsed"] == 1 and absolute["totalGigabytesUsed"] == 4
    assert absolute["maxTotalVolumes"] == 10
    bad = vol.as_("admin").put(f"/v3/os-quota-sets/{member_project}",
                               json={"quota_set": {"bogus": 1}})
    assert bad.status_code == 400


def test_availability_zones_and_extensions(vol: Any) -> None:
    zones = vol.as_("member").get("/v3/os-availability-zone").json()
    assert zones == {"availabilityZoneInfo": [{"zoneName": "nova",
                                               "zoneState": {"available": True}}]}
    assert vol.as_("member").get("/v3/extensions").json()["extensions"]


def test_snapshot_bodies_by_call_and_microversion(vol: Any) -> None:
    member = vol.as_("member")
    volume_id = vol.create(size=1)["id"]
    ids = []
    for name in ("b", "a", "c"):
        resp = member.post("/v3/snapshots", json={"snapshot": {"volume_id": volume_id,
                                                              "name": name}})
        created = resp.json()["snapshot"]
        # Create (and update) answer without the extended attributes or later fields.
        assert not set(created) & {*snapshots.EXTENDED, "user_id", "consumes_quota"}
        ids.append(created["id"])
    shown = member.get(f"/v3/snapshots/{ids[0]}").json()["snapshot"]
    assert set(snapshots.EXTENDED) <= set(shown) and "user_id" not in shown
    later = member.get(f"/v3/snapshots/{ids[0]}",
                       headers={"OpenStack-API-Version": "volume 3.65"}).json()["snapshot"]
    assert later["consumes_quota"] is True and "user_id" in later
    names = [s["name"] for s in member.get("/v3/snapshots?sort=name:asc").json()["snapshots"]]
    assert names == ["a", "b", "c"]
    assert member.get("/v3/snapshots?sort_key=bogus").status_code == 400
    missing = member.get("/v3/snapshots?marker=00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and "Marker" in missing.text
    resp = member.post("/v3/snapshots", json={"snapshot": {"volume_id": None}})
    assert resp.status_code == 404
