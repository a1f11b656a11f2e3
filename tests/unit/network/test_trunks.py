"""Trunks: a parent port, subports told apart by VLAN, and the rules that keep them whole."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.network.conftest import Net

COVERS = [("network", "trunks: create with subports, list/show/update/delete, add_subports, "
                      "remove_subports, get_subports, trunk_details on the parent, subports "
                      "bound with their parent, the validator's conflicts, protection")]

BASE = "/v2.0/trunks"


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def _ports(net: Net, count: int, persona: str = "member") -> list[dict[str, Any]]:
    """A parent on one network and ``count - 1`` ports on networks of their own."""
    out = []
    for index in range(count):
        network = net.network(persona)
        net.subnet(network["id"], f"10.{60 + index}.0.0/24", persona)
        out.append(net.port(network["id"], persona))
    return out


def _trunk(net: Net, parent: dict[str, Any], persona: str = "member",
           **attrs: Any) -> dict[str, Any]:
    resp = net.as_(persona).post(BASE, json={"trunk": {"port_id": parent["id"], **attrs}})
    assert resp.status_code == 201, resp.text
    return resp.json()["trunk"]  # type: ignore[no-any-return]


def _vlan(port: dict[str, Any], vid: int) -> dict[str, Any]:
    return {"port_id": port["id"], "segmentation_type": "vlan", "segmentation_id": vid}


def test_trunk_lifecycle_and_trunk_details(net: Net) -> None:
    parent, first, second = _ports(net, 3)
    api = net.as_("member")
    trunk = _trunk(net, parent, name="t", sub_ports=[_vlan(first, 100)])
    assert trunk["status"] == "DOWN" and trunk["admin_state_up"] is True
    assert trunk["sub_ports"] == [_vlan(first, 100)]
    assert trunk["revision_number"] == 1 and trunk["tags"] == []
    sub = api.get(f"/v2.0/ports/{first['id']}").json()["port"]
    assert sub["device_owner"] == "trunk:subport" and sub["device_id"] == trunk["id"]
    details = api.get(f"/v2.0/ports/{parent['id']}").json()["port"]["trunk_details"]
    assert details == {"trunk_id": trunk["id"], "sub_ports": [
        {**_vlan(first, 100), "mac_address": first["mac_address"]}]}
    assert "trunk_details" not in api.get(f"/v2.0/ports/{second['id']}").json()["port"]
    listed = api.get(f"/v2.0/ports?id={parent['id']}").json()["ports"][0]
    assert listed["trunk_details"]["trunk_id"] == trunk["id"]

    added = api.put(f"{BASE}/{trunk['id']}/add_subports",
                    json={"sub_ports": [_vlan(second, 200)]})
    assert added.status_code == 200, added.text
    assert [s["segmentation_id"] for s in added.json()["sub_ports"]] == [100, 200]
    subports = api.get(f"{BASE}/{trunk['id']}/get_subports").json()["sub_ports"]
    assert {s["port_id"] for s in subports} == {first["id"], second["id"]}
    removed = api.put(f"{BASE}/{trunk['id']}/remove_subports",
                      json={"sub_ports": [{"port_id": first["id"]}]}).json()
    assert removed["sub_ports"] == [_vlan(second, 200)]
    freed = api.get(f"/v2.0/ports/{first['id']}").json()["port"]
    assert freed["device_owner"] == "" and freed["device_id"] == ""

    renamed = api.put(f"{BASE}/{trunk['id']}", json={"trunk": {"name": "u"}}).json()["trunk"]
    assert renamed["name"] == "u" and renamed["revision_number"] > trunk["revision_number"]
    assert api.get(f"{BASE}?name=u").json()["trunks"][0]["id"] == trunk["id"]
    assert api.get(f"{BASE}?port_id={parent['id']}").json()["trunks"][0]["id"] == trunk["id"]
    assert api.put(f"{BASE}/{trunk['id']}/tags/blue").status_code == 201
    assert api.get(f"{BASE}?tags=blue").json()["trunks"][0]["tags"] == ["blue"]

    # Ports a trunk holds stay until they leave it.
    held = api.delete(f"/v2.0/ports/{parent['id']}")
    assert held.status_code == 409 and fault(held)["type"] == "PortInUseAsTrunkParent"
    held = api.delete(f"/v2.0/ports/{second['id']}")
    assert held.status_code == 409 and fault(held)["type"] == "PortInUseAsSubPort"
    assert api.delete(f"{BASE}/{trunk['id']}").status_code == 204
    gone = api.get(f"{BASE}/{trunk['id']}")
    assert gone.status_code == 404 and fault(gone)["type"] == "TrunkNotFound"
    assert api.get(f"/v2.0/ports/{second['id']}").json()["port"]["device_owner"] == ""
    assert "trunk_details" not in api.get(f"/v2.0/ports/{parent['id']}").json()["port"]
    assert api.delete(f"/v2.0/ports/{second['id']}").status_code == 204


def test_subport_rules(net: Net) -> None:
    parent, first, second, third = _ports(net, 4)
    api = net.as_("member")
    trunk = _trunk(net, parent, sub_ports=[_vlan(first, 10)])

    def add(*subports: dict[str, Any]) -> Any:
        return api.put(f"{BASE}/{trunk['id']}/add_subports", json={"sub_ports": list(subports)})

    for resp, kind in ((add(_vlan(second, 10)), "DuplicateSubPort"),
                       (add(_vlan(first, 11)), "TrunkPortInUse"),
                       (add(_vlan(parent, 12)), "ParentPortInUse")):
        assert resp.status_code == 409 and fault(resp)["type"] == kind, resp.text
    for bad in (_vlan(second, 0), _vlan(second, 4095),
                {"port_id": second["id"], "segmentation_type": "vxlan", "segmentation_id": 5},
                {"port_id": second["id"], "segmentation_type": "vlan"},
                # A VXLAN network has no VLAN to inherit.
                {"port_id": second["id"], "segmentation_type": "inherit"}):
        assert add(bad).status_code == 400, bad
    assert add({"port_id": second["id"], "segmentation_type": "vlan",
                "segmentation_id": "x"}).status_code == 400
    # A port another trunk parents, or that a device uses, is no subport.
    _trunk(net, second)
    assert fault(add(_vlan(second, 20)))["type"] == "ParentPortInUse"
    used = api.put(f"/v2.0/ports/{third['id']}", json={"port": {"device_id": "vm-1"}})
    assert used.status_code == 200
    assert fault(add(_vlan(third, 30)))["type"] == "PortInUse"
    again = api.post(BASE, json={"trunk": {"port_id": parent["id"]}})
    assert again.status_code == 409 and fault(again)["type"] == "ParentPortInUse"
    nested = api.post(BASE, json={"trunk": {"port_id": first["id"]}})
    assert nested.status_code == 409 and fault(nested)["type"] == "TrunkPortInUse"
    # Nothing of a refused request stays.
    assert [s["port_id"] for s in api.get(f"{BASE}/{trunk['id']}").json()["trunk"][
        "sub_ports"]] == [first["id"]]
    missing = api.put(f"{BASE}/{trunk['id']}/remove_subports",
                      json={"sub_ports": [{"port_id": second["id"]}]})
    assert missing.status_code == 404 and fault(missing)["type"] == "SubPortNotFound"
    api.put(f"{BASE}/{trunk['id']}", json={"trunk": {"admin_state_up": False}})
    disabled = api.put(f"{BASE}/{trunk['id']}/remove_subports",
                       json={"sub_ports": [{"port_id": first["id"]}]})
    assert disabled.status_code == 409 and fault(disabled)["type"] == "TrunkDisabled"


def test_inherit_takes_a_vlan_networks_tag_and_mtu_is_bounded(net: Net) -> None:
    parent = _ports(net, 1)[0]
    admin = net.as_("admin")
    vlan_net = net.network("admin", **{"provider:network_type": "vlan",
                                       "provider:physical_network": "physnet1",
                                       "provider:segmentation_id": 321})
    net.subnet(vlan_net["id"], "10.90.0.0/24", "admin")
    sub = net.port(vlan_net["id"], "admin")
    trunk = _trunk(net, parent, "admin", sub_ports=[
        {"port_id": sub["id"], "segmentation_type": "inherit"}])
    assert trunk["sub_ports"] == [_vlan(sub, 321)]
    big = net.network("admin", mtu=9000)
    net.subnet(big["id"], "10.91.0.0/24", "admin")
    jumbo = net.port(big["id"], "admin")
    resp = admin.put(f"{BASE}/{trunk['id']}/add_subports", json={"sub_ports": [
        _vlan(jumbo, 5)]})
    assert resp.status_code == 409
    assert fault(resp)["type"] == "SubPortMtuGreaterThanTrunkPortMtu"


def test_subports_follow_their_parent_to_its_host(net: Net) -> None:
    parent, first = _ports(net, 2)
    trunk = _trunk(net, parent, sub_ports=[_vlan(first, 7)])
    admin = net.as_("admin")
    bound = admin.put(f"/v2.0/ports/{parent['id']}", json={"port": {
        "binding:host_id": "host-a", "device_owner": "compute:nova", "device_id": "vm"}})
    assert bound.status_code == 200, bound.text
    sub = admin.get(f"/v2.0/ports/{first['id']}").json()["port"]
    assert sub["binding:host_id"] == "host-a"
    # The fake driver wires at once: both ports are up, and so is the trunk.
    assert admin.get(f"{BASE}/{trunk['id']}").json()["trunk"]["status"] == "ACTIVE"
    assert [t["id"] for t in admin.get(f"{BASE}?status=ACTIVE").json()["trunks"]] == [
        trunk["id"]]
    assert admin.get(f"{BASE}?status=DOWN").json()["trunks"] == []
    admin.put(f"/v2.0/ports/{parent['id']}", json={"port": {"binding:host_id": ""}})
    assert admin.get(f"/v2.0/ports/{first['id']}").json()["port"]["binding:host_id"] == ""
    assert admin.get(f"{BASE}/{trunk['id']}").json()["trunk"]["status"] == "DOWN"


@pytest.mark.parametrize("persona", ["reader", "other"])
def test_trunk_protection(net: Net, persona: str) -> None:
    parent, first = _ports(net, 2)
    trunk = _trunk(net, parent, sub_ports=[_vlan(first, 7)])
    api = net.as_(persona)
    path = f"{BASE}/{trunk['id']}"
    expect = 403 if persona == "reader" else 404
    if persona == "reader":
        assert api.get(path).status_code == 200
        assert api.get(f"{path}/get_subports").status_code == 200
    else:
        assert api.get(path).status_code == 404
        assert api.get(f"{path}/get_subports").status_code == 404
        assert api.get(BASE).json()["trunks"] == []
        # Another project's port is no parent and no subport for it.
        own = net.port(net.network("other")["id"], "other")
        assert api.post(BASE, json={"trunk": {"port_id": parent["id"]}}).status_code == 404
        mine = _trunk(net, own, "other")
        assert api.put(f"{BASE}/{mine['id']}/add_subports", json={
            "sub_ports": [_vlan(first, 9)]}).status_code == 404
    assert api.put(path, json={"trunk": {"name": "x"}}).status_code == expect
    assert api.put(f"{path}/add_subports", json={"sub_ports": []}).status_code == expect
    assert api.put(f"{path}/remove_subports", json={
        "sub_ports": [{"port_id": first["id"]}]}).status_code == expect
    assert api.delete(path).status_code == expect
    assert net.as_("member").get(path).json()["trunk"]["sub_ports"] == [_vlan(first, 7)]
