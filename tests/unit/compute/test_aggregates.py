"""Host aggregates and the availability zones they define: shapes per microversion, Nova's
rules, the Placement mirror, who may call them, and servers landing in the zone asked for."""

from __future__ import annotations

from typing import Any

import pytest

from nimbus.compute.manager.aggregate_specs import requirements, tenants_of
from nimbus.core.extra_specs_ops import matches
from tests.support.personas import OTHER_PROJECT
from tests.unit.compute.conftest import MV, Compute
from tests.unit.compute.fakes import IMAGE_ID

COVERS = [("compute", "os-aggregates: create, list, show, update, delete, add/remove host, "
                      "set metadata; mirrored into Placement aggregates"),
          ("compute", "availability zones from aggregates: os-availability-zone, server AZ, "
                      "scheduling into a zone"),
          ("compute", "scheduler aggregate filters: AZ, instance extra specs, tenant isolation")]

V241 = {"OpenStack-API-Version": "compute 2.41"}
V21 = {"OpenStack-API-Version": "compute 2.1"}


def _create(compute: Compute, name: str, zone: str | None = None,
            headers: dict[str, str] = MV) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if zone is not None:
        body["availability_zone"] = zone
    resp = compute.as_("admin").post("/v2.1/os-aggregates", json={"aggregate": body},
                                     headers=headers)
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["aggregate"])


def _act(compute: Compute, agg_id: int, action: str, value: Any,
         headers: dict[str, str] = MV) -> Any:
    return compute.as_("admin").post(f"/v2.1/os-aggregates/{agg_id}/action",
                                     json={action: value}, headers=headers)


def test_crud_and_shapes(make_compute: Any) -> None:
    compute = make_compute(hosts=2, workers=False)
    admin = compute.as_("admin")
    made = _create(compute, "fast", "az1")
    # A create's reply has no hosts or metadata; from 2.41 every reply has the uuid.
    assert set(made) == {"availability_zone", "created_at", "deleted", "deleted_at", "id",
                         "name", "updated_at", "uuid"}
    assert made["availability_zone"] == "az1" and made["deleted"] is False
    old = admin.get(f"/v2.1/os-aggregates/{made['id']}", headers=V21).json()["aggregate"]
    assert "uuid" not in old and old["hosts"] == [] and old["metadata"] == {
        "availability_zone": "az1"}
    listed = admin.get("/v2.1/os-aggregates", headers=V241).json()["aggregates"]
    assert [a["uuid"] for a in listed] == [made["uuid"]]

    renamed = admin.put(f"/v2.1/os-aggregates/{made['id']}",
                        json={"aggregate": {"name": " faster ", "availability_zone": "az2"}},
                        headers=MV)
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()["aggregate"]
    assert body["name"] == "faster" and body["availability_zone"] == "az2"
    assert body["updated_at"] is not None

    _create(compute, "other")
    clash = admin.post("/v2.1/os-aggregates", json={"aggregate": {"name": "other"}})
    assert clash.status_code == 409
    assert clash.json()["conflictingRequest"]["message"] == "Aggregate other already exists."
    rename_clash = admin.put(f"/v2.1/os-aggregates/{made['id']}",
                             json={"aggregate": {"name": "other"}})
    assert rename_clash.status_code == 409

    assert admin.delete(f"/v2.1/os-aggregates/{made['id']}").status_code == 200
    gone = admin.get(f"/v2.1/os-aggregates/{made['id']}")
    assert gone.status_code == 404
    assert gone.json()["itemNotFound"]["message"] == f"Aggregate {made['id']} could not be found."
    assert admin.get("/v2.1/os-aggregates/abc").status_code == 400


@pytest.mark.parametrize("body", [
    {"aggregate": {"name": ""}},
    {"aggregate": {"name": "x", "availability_zone": "a:b"}},
    {"aggregate": {"name": "x", "extra": 1}},
    {"aggregate": {}},
])
def test_bad_create_bodies(compute: Compute, body: dict[str, Any]) -> None:
    resp = compute.as_("admin").post("/v2.1/os-aggregates", json=body)
    assert resp.status_code == 400, resp.text


def test_hosts_metadata_and_placement_mirror(make_compute: Any) -> None:
    compute = make_compute(hosts=2)
    agg = _create(compute, "rack1")
    placement = compute.clients.placement
    compute.wait_for(lambda: placement.find_provider("node-1") is not None)
    added = _act(compute, agg["id"], "add_host", {"host": "node-1"})
    assert added.status_code == 200, added.text
    assert added.json()["aggregate"]["hosts"] == ["node-1"]
    rp = placement.find_provider("node-1")
    assert placement.get_aggregates(rp["uuid"])[0] == [agg["uuid"]]

    assert _act(compute, agg["id"], "add_host", {"host": "node-1"}).status_code == 409
    missing = _act(compute, agg["id"], "add_host", {"host": "nowhere"})
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "Compute host nowhere could not be found."

    meta = _act(compute, agg["id"], "set_metadata", {"metadata": {"ssd": "true", "x": "1"}})
    assert meta.json()["aggregate"]["metadata"] == {"ssd": "true", "x": "1"}
    # A null value removes the key; removing one that is not there is no error.
    meta = _act(compute, agg["id"], "set_metadata", {"metadata": {"x": None, "y": None}})
    assert meta.json()["aggregate"]["metadata"] == {"ssd": "true"}
    # ...but a zone cannot be set to nothing.
    assert _act(compute, agg["id"], "set_metadata",
                {"metadata": {"availability_zone": None}}).status_code == 400
    assert _act(compute, agg["id"], "set_metadata",
                {"metadata": {"bad key!": "v"}}).status_code == 400

    # An aggregate that holds hosts is not deleted (Nova: a 400).
    assert compute.as_("admin").delete(f"/v2.1/os-aggregates/{agg['id']}").status_code == 400
    removed = _act(compute, agg["id"], "remove_host", {"host": "node-1"})
    assert removed.status_code == 200 and removed.json()["aggregate"]["hosts"] == []
    assert placement.get_aggregates(rp["uuid"])[0] == []
    again = _act(compute, agg["id"], "remove_host", {"host": "node-1"})
    assert again.status_code == 404
    assert again.json()["itemNotFound"]["message"] == \
        f"Cannot remove host node-1 in aggregate {agg['id']}"
    assert _act(compute, agg["id"], "reboot", {}).status_code == 400
    assert compute.as_("admin").delete(f"/v2.1/os-aggregates/{agg['id']}").status_code == 200


def test_a_host_is_in_one_zone(make_compute: Any) -> None:
    compute = make_compute(hosts=2, workers=False)
    compute.cloud.start_workers({"compute-agent"})
    one, two = _create(compute, "a", "az1"), _create(compute, "b", "az2")
    assert _act(compute, one["id"], "add_host", {"host": "node-1"}).status_code == 200
    clash = _act(compute, two["id"], "add_host", {"host": "node-1"})
    assert clash.status_code == 409
    assert "already in availability zone(s) ['az1']" in clash.json()["conflictingRequest"][
        "message"]
    # An aggregate without a zone takes it; renaming the zone of its hosts into a clash does not.
    plain = _create(compute, "plain")
    assert _act(compute, plain["id"], "add_host", {"host": "node-1"}).status_code == 200
    assert _act(compute, plain["id"], "set_metadata",
                {"metadata": {"availability_zone": "az2"}}).status_code == 400


def test_zones_listed_and_servers_placed_in_them(make_compute: Any) -> None:
    compute = make_compute(hosts=3)
    agg = _create(compute, "edge", "edge-zone")
    for host in ("node-2", "node-3"):
        assert _act(compute, agg["id"], "add_host", {"host": host}).status_code == 200

    zones = compute.as_("member").get("/v2.1/os-availability-zone").json()
    names = {z["zoneName"]: z for z in zones["availabilityZoneInfo"]}
    assert set(names) == {"nova", "edge-zone"}
    assert names["edge-zone"] == {"zoneName": "edge-zone", "zoneState": {"available": True},
                                  "hosts": None}
    detail = compute.as_("admin").get("/v2.1/os-availability-zone/detail").json()
    by_zone = {z["zoneName"]: z for z in detail["availabilityZoneInfo"]}
    assert set(by_zone["edge-zone"]["hosts"]) == {"node-2", "node-3"}
    assert set(by_zone["nova"]["hosts"]) == {"node-1"}
    assert "nova-scheduler" in next(iter(by_zone["internal"]["hosts"].values()))
    assert compute.as_("member").get("/v2.1/os-availability-zone/detail").status_code == 403

    used = set()
    for _ in range(3):
        server = compute.boot(availability_zone="edge-zone")
        shown = compute.as_("admin").get(f"/v2.1/servers/{server['id']}", headers=MV).json()
        used.add(shown["server"]["OS-EXT-SRV-ATTR:host"])
        assert shown["server"]["OS-EXT-AZ:availability_zone"] == "edge-zone"
        assert shown["server"]["pinned_availability_zone"] == "edge-zone"
    assert used <= {"node-2", "node-3"}
    default = compute.boot(availability_zone="nova")
    shown = compute.as_("admin").get(f"/v2.1/servers/{default['id']}", headers=MV).json()
    assert shown["server"]["OS-EXT-SRV-ATTR:host"] == "node-1"
    assert shown["server"]["OS-EXT-AZ:availability_zone"] == "nova"
    unknown = compute.as_("member").post("/v2.1/servers", headers=MV, json={"server": {
        "name": "x", "imageRef": IMAGE_ID, "flavorRef": "42", "networks": "none",
        "availability_zone": "nowhere"}})
    assert unknown.status_code == 400

    # A host that holds servers keeps its zone: it can neither leave it nor have it renamed.
    busy = sorted(used)[0]
    moved = _act(compute, agg["id"], "remove_host", {"host": busy})
    assert moved.status_code == 409
    assert "would change from 'edge-zone' to 'None'" in moved.json()["conflictingRequest"][
        "message"]
    renamed = compute.as_("admin").put(f"/v2.1/os-aggregates/{agg['id']}",
                                       json={"aggregate": {"availability_zone": "elsewhere"}})
    assert renamed.status_code == 400
    assert "contain instances" in renamed.json()["badRequest"]["message"]


def test_extra_specs_and_tenant_isolation_filters(make_compute: Any) -> None:
    compute = make_compute(hosts=3)
    admin = compute.as_("admin")
    ssd = _create(compute, "ssd")
    assert _act(compute, ssd["id"], "add_host", {"host": "node-3"}).status_code == 200
    _act(compute, ssd["id"], "set_metadata", {"metadata": {"disk": "ssd", "cores": "16"}})
    admin.post("/v2.1/flavors", json={"flavor": {"name": "fast", "ram": 64, "vcpus": 1,
                                                  "disk": 0, "id": "fast"}})
    admin.post("/v2.1/flavors/fast/os-extra_specs", json={"extra_specs": {
        "aggregate_instance_extra_specs:disk": "ssd", "aggregate_instance_extra_specs:cores":
        ">= 8", "hw:cpu_policy": "shared"}})
    for _ in range(2):
        server = compute.boot(flavorRef="fast")
        host = admin.get(f"/v2.1/servers/{server['id']}", headers=MV).json()["server"]
        assert host["OS-EXT-SRV-ATTR:host"] == "node-3"

    kept = _create(compute, "theirs")
    for host in ("node-1", "node-2"):
        _act(compute, kept["id"], "add_host", {"host": host})
    _act(compute, kept["id"], "set_metadata", {"metadata": {"filter_tenant_id": OTHER_PROJECT}})
    mine = compute.boot()
    host = admin.get(f"/v2.1/servers/{mine['id']}", headers=MV).json()["server"]
    assert host["OS-EXT-SRV-ATTR:host"] == "node-3"
    theirs = compute.boot(persona="other")
    assert theirs["status"] == "ACTIVE"


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_only_admins_manage_aggregates(compute: Compute, persona: str) -> None:
    agg = _create(compute, "private")
    api = compute.as_(persona)
    assert api.get("/v2.1/os-aggregates").status_code == 403
    assert api.get(f"/v2.1/os-aggregates/{agg['id']}").status_code == 403
    assert api.post("/v2.1/os-aggregates", json={"aggregate": {"name": "n"}}).status_code == 403
    assert api.put(f"/v2.1/os-aggregates/{agg['id']}",
                   json={"aggregate": {"name": "n"}}).status_code == 403
    assert api.delete(f"/v2.1/os-aggregates/{agg['id']}").status_code == 403
    for action, value in (("add_host", {"host": "node"}), ("remove_host", {"host": "node"}),
                          ("set_metadata", {"metadata": {"a": "b"}})):
        assert api.post(f"/v2.1/os-aggregates/{agg['id']}/action",
                        json={action: value}).status_code == 403
    assert api.get("/v2.1/os-availability-zone").status_code == 200


@pytest.mark.parametrize(("value", "requirement", "expected"), [
    ("ssd", "ssd", True), ("hdd", "ssd", False), ("16", ">= 8", True), ("4", ">= 8", False),
    ("8", "= 4", True), ("8", "== 8", True), ("8", "!= 8", False), ("x", "<= 2", False),
    ("abc", "s== abc", True), ("b", "s> a", True), ("gpu,ssd", "<in> ssd", True),
    ("gpu", "<all-in> gpu ssd", False), ("b", "<or> a <or> b", True),
    ("c", "<or> a <or> b", False), (None, ">= 1", False),
])
def test_extra_spec_operators(value: str | None, requirement: str, expected: bool) -> None:
    assert matches(value, requirement) is expected


def test_which_specs_and_tenants_count() -> None:
    assert requirements({"a": "1", "aggregate_instance_extra_specs:b": "2", "hw:c": "3"}) == {
        "a": "1", "b": "2"}
    assert tenants_of({"filter_tenant_id": ["p1, p2"], "filter_tenant_id2": ["p3"],
                       "other": ["p4"]}) == {"p1", "p2", "p3"}
