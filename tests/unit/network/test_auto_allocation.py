"""Get me a network: the default external network, and a project's auto-allocated topology."""

from __future__ import annotations

from typing import Any

from tests.support.personas import OTHER_PROJECT, PROJECT
from tests.unit.network.conftest import Net

COVERS = [("network", "auto-allocated topology: network, subnet from the default pool and "
                      "router to the default external network, made once per project; "
                      "dry-run; delete; is_default on one external network only")]

BASE = "/v2.0/auto-allocated-topology"


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def _defaults(net: Net) -> dict[str, Any]:
    public, _ = net.public()
    admin = net.as_("admin")
    marked = admin.put(f"/v2.0/networks/{public['id']}", json={"network": {"is_default": True}})
    assert marked.status_code == 200 and marked.json()["network"]["is_default"] is True
    pool = admin.post("/v2.0/subnetpools", json={"subnetpool": {
        "name": "default-v4", "prefixes": ["10.128.0.0/16"], "default_prefixlen": 26,
        "shared": True, "is_default": True}})
    assert pool.status_code == 201, pool.text
    return public


def test_a_project_gets_one_topology_and_loses_it_on_delete(net: Net) -> None:
    member = net.as_("member")
    nothing = member.get(f"{BASE}/{PROJECT}")
    assert nothing.status_code == 409 and fault(nothing)["type"] == "AutoAllocationFailure"
    public = _defaults(net)
    assert member.get(f"{BASE}/{PROJECT}?fields=dry-run").json() == {
        "auto_allocated_topology": {"dry-run": "pass"}}
    made = member.get(f"{BASE}/{PROJECT}")
    assert made.status_code == 200, made.text
    topology = made.json()["auto_allocated_topology"]
    assert topology["project_id"] == PROJECT
    network = member.get(f"/v2.0/networks/{topology['id']}").json()["network"]
    assert network["name"] == "auto_allocated_network" and network["project_id"] == PROJECT
    [subnet] = member.get(f"/v2.0/subnets?network_id={topology['id']}").json()["subnets"]
    assert subnet["cidr"].startswith("10.128.") and subnet["cidr"].endswith("/26")
    [router] = member.get("/v2.0/routers?name=auto_allocated_router").json()["routers"]
    assert router["external_gateway_info"]["network_id"] == public["id"]
    # Asked again: the same network.
    again = member.get(f"{BASE}/{PROJECT}").json()["auto_allocated_topology"]
    assert again["id"] == topology["id"]
    # Another project's is not the caller's to make or delete.
    assert net.as_("other").get(f"{BASE}/{PROJECT}").status_code == 403
    assert net.as_("other").delete(f"{BASE}/{PROJECT}").status_code == 403
    assert member.delete(f"{BASE}/{PROJECT}").status_code == 204
    assert member.get(f"/v2.0/networks/{topology['id']}").status_code == 404
    assert member.get(f"/v2.0/routers/{router['id']}").status_code == 404
    gone = member.delete(f"{BASE}/{PROJECT}")
    assert gone.status_code == 404 and fault(gone)["type"] == "AutoAllocatedTopologyNotFound"
    # The other project gets its own.
    theirs = net.as_("other").get(f"{BASE}/{OTHER_PROJECT}").json()["auto_allocated_topology"]
    assert theirs["project_id"] == OTHER_PROJECT


def test_one_default_external_network_and_only_an_external_one(net: Net) -> None:
    admin = net.as_("admin")
    public = _defaults(net)
    second = net.network("admin", **{"router:external": True})
    taken = admin.put(f"/v2.0/networks/{second['id']}", json={"network": {"is_default": True}})
    assert taken.status_code == 409 and fault(taken)["type"] == "DefaultExternalNetworkExists"
    internal = net.network("admin")
    assert admin.put(f"/v2.0/networks/{internal['id']}", json={"network": {
        "is_default": True}}).status_code == 400
    assert net.as_("member").put(f"/v2.0/networks/{public['id']}", json={"network": {
        "is_default": False}}).status_code in (403, 404)
    listed = admin.get("/v2.0/networks?is_default=true").json()["networks"]
    assert [n["id"] for n in listed] == [public["id"]]
