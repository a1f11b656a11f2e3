"""Network segments: every network's own, an admin's additions, and subnets on them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.network.conftest import Net

COVERS = [("network", "segments: every network's own first segment, create (flat, vlan, "
                      "vxlan; ids allocated or checked), list/show/update/delete, subnets on a "
                      "segment (all or none of a network's), admin only")]

BASE = "/v2.0/segments"


def fault(resp: Any) -> dict[str, Any]:
    return resp.json()["NeutronError"]  # type: ignore[no-any-return]


def test_a_network_has_its_own_segment_and_an_admin_adds_more(net: Net) -> None:
    admin = net.as_("admin")
    network = net.network("admin", **{"provider:network_type": "vlan",
                                      "provider:physical_network": "physnet1",
                                      "provider:segmentation_id": 300})
    [own] = admin.get(f"{BASE}?network_id={network['id']}").json()["segments"]
    assert (own["network_type"], own["physical_network"], own["segmentation_id"]) == (
        "vlan", "physnet1", 300)
    made = admin.post(BASE, json={"segment": {
        "network_id": network["id"], "network_type": "vlan", "physical_network": "physnet2",
        "segmentation_id": 2016, "name": "rack-2"}})
    assert made.status_code == 201, made.text
    segment = made.json()["segment"]
    assert segment["name"] == "rack-2" and segment["revision_number"] == 1
    # The id is taken now; a VLAN without one gets the lowest free one of its network.
    again = admin.post(BASE, json={"segment": {
        "network_id": network["id"], "network_type": "vlan", "physical_network": "physnet2",
        "segmentation_id": 2016}})
    assert again.status_code == 409 and fault(again)["type"] == "VlanIdInUse"
    auto = admin.post(BASE, json={"segment": {
        "network_id": network["id"], "network_type": "vlan",
        "physical_network": "physnet2"}}).json()["segment"]
    assert auto["segmentation_id"] == 1
    tunnel = admin.post(BASE, json={"segment": {
        "network_id": network["id"], "network_type": "vxlan"}}).json()["segment"]
    assert tunnel["segmentation_id"] is not None and tunnel["physical_network"] is None
    for bad in ({"network_type": "vlan"}, {"network_type": "flat",
                                           "physical_network": "p", "segmentation_id": 5},
                {"network_type": "vxlan", "physical_network": "p"},
                {"network_type": "vlan", "physical_network": "p", "segmentation_id": 5000},
                {"network_type": "ipip"}):
        resp = admin.post(BASE, json={"segment": {"network_id": network["id"], **bad}})
        assert resp.status_code == 400, bad
    missing = admin.post(BASE, json={"segment": {
        "network_id": "00000000-0000-0000-0000-000000000077", "network_type": "vxlan"}})
    assert missing.status_code == 404
    renamed = admin.put(f"{BASE}/{segment['id']}", json={"segment": {"name": "r2"}})
    assert renamed.json()["segment"]["name"] == "r2"
    assert admin.put(f"{BASE}/{segment['id']}", json={"segment": {
        "segmentation_id": 7}}).status_code == 400
    assert len(admin.get(f"{BASE}?network_id={network['id']}").json()["segments"]) == 4
    found = admin.get(f"{BASE}?physical_network=physnet2&fields=id").json()["segments"]
    assert sorted(found, key=lambda s: s["id"]) == sorted(
        [{"id": segment["id"]}, {"id": auto["id"]}], key=lambda s: s["id"])

    # Subnets on segments: all of a network's, or none.
    on = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.60.0.0/24", "ip_version": 4,
        "segment_id": segment["id"]}})
    assert on.status_code == 201 and on.json()["subnet"]["segment_id"] == segment["id"]
    off = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.61.0.0/24", "ip_version": 4}})
    assert off.status_code == 400
    assert fault(off)["type"] == "SubnetsNotAllAssociatedWithSegments"
    other = net.network("admin")
    foreign = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": other["id"], "cidr": "10.62.0.0/24", "ip_version": 4,
        "segment_id": segment["id"]}})
    assert foreign.status_code == 400
    busy = admin.delete(f"{BASE}/{segment['id']}")
    assert busy.status_code == 409 and fault(busy)["type"] == "SegmentInUse"
    assert admin.delete(f"{BASE}/{own['id']}").status_code == 409
    assert admin.delete(f"{BASE}/{auto['id']}").status_code == 204
    assert admin.get(f"{BASE}/{auto['id']}").status_code == 404
    admin.delete(f"/v2.0/subnets/{on.json()['subnet']['id']}")
    assert admin.delete(f"/v2.0/networks/{network['id']}").status_code == 204
    assert admin.get(f"{BASE}?network_id={network['id']}").json()["segments"] == []


@pytest.mark.parametrize("persona", ["member", "reader", "other"])
def test_segments_are_an_admins(net: Net, persona: str) -> None:
    network = net.network()
    [own] = net.as_("admin").get(f"{BASE}?network_id={network['id']}").json()["segments"]
    api = net.as_(persona)
    # As in Neutron: nothing listed, and what they may not see is not there (404).
    assert api.get(BASE).json()["segments"] == []
    assert api.get(f"{BASE}/{own['id']}").status_code == 404
    assert api.post(BASE, json={"segment": {"network_id": network["id"],
                                            "network_type": "vxlan"}}).status_code == 403
    assert api.put(f"{BASE}/{own['id']}", json={"segment": {"name": "x"}}).status_code == 404
    assert api.delete(f"{BASE}/{own['id']}").status_code == 404
