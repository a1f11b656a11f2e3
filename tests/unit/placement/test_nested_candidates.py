"""Allocation candidates over provider trees and sharing providers, and Placement's scopes."""

from __future__ import annotations

from typing import Any

from tests.support import personas
from tests.unit.placement.conftest import PROJECT, Placement, error_of, new_uuid


def _child(placement: Placement, parent: str, name: str, **inventory: dict[str, Any]) -> str:
    rp = new_uuid()
    assert placement.post("/resource_providers", json={
        "name": name, "uuid": rp, "parent_provider_uuid": parent}).status_code == 200
    if inventory:
        placement.set_inventory(rp, **inventory)
    return rp


def _traits(placement: Placement, rp: str, *names: str) -> None:
    for name in names:
        if name.startswith("CUSTOM_"):
            placement.put(f"/traits/{name}")
    resp = placement.put(f"/resource_providers/{rp}/traits", json={
        "traits": list(names), "resource_provider_generation": placement.generation(rp)})
    assert resp.status_code == 200, resp.text


def _compute(placement: Placement) -> tuple[str, str, str]:
    """A resourceless compute node with two NUMA children of 4 VCPU each."""
    cn = placement.provider("cn")
    numa0 = _child(placement, cn, "numa0", VCPU={"total": 4})
    numa1 = _child(placement, cn, "numa1", VCPU={"total": 4})
    return cn, numa0, numa1


def test_unsuffixed_group_spreads_over_a_tree(placement: Placement) -> None:
    cn, numa0, numa1 = _compute(placement)
    body = placement.get("/allocation_candidates?resources=VCPU:2").json()
    chosen = sorted(next(iter(r["allocations"])) for r in body["allocation_requests"])
    assert chosen == sorted([numa0, numa1])
    # Every provider of the tree is summarised, resourceless root included.
    assert set(body["provider_summaries"]) == {cn, numa0, numa1}
    assert body["provider_summaries"][numa0]["parent_provider_uuid"] == cn
    assert body["provider_summaries"][numa0]["root_provider_uuid"] == cn
    too_big = placement.get("/allocation_candidates?resources=VCPU:5").json()
    assert too_big["allocation_requests"] == []


def test_isolated_groups_take_distinct_providers(placement: Placement) -> None:
    _cn, numa0, numa1 = _compute(placement)
    query = "/allocation_candidates?resources1=VCPU:3&resources2=VCPU:3&group_policy=isolate"
    body = placement.get(query).json()
    assert len(body["allocation_requests"]) == 2
    for request in body["allocation_requests"]:
        assert set(request["allocations"]) == {numa0, numa1}
        assert {p for ps in request["mappings"].values() for p in ps} == {numa0, numa1}
    # Without isolation the two groups may not share a NUMA node (4 < 6) either.
    shared = placement.get(query.replace("isolate", "none")).json()
    assert len(shared["allocation_requests"]) == 2


def test_sharing_provider_serves_its_aggregate(placement: Placement) -> None:
    cn = placement.provider("cn", VCPU={"total": 8})
    storage = placement.provider("nfs", DISK_GB={"total": 100})
    _traits(placement, storage, "MISC_SHARES_VIA_AGGREGATE")
    agg = new_uuid()
    for rp in (cn, storage):
        assert placement.put(f"/resource_providers/{rp}/aggregates", json={
            "aggregates": [agg], "resource_provider_generation": placement.generation(rp),
        }).status_code == 200
    body = placement.get("/allocation_candidates?resources=VCPU:1,DISK_GB:10").json()
    assert [r["allocations"] for r in body["allocation_requests"]] == [
        {cn: {"resources": {"VCPU": 1}}, storage: {"resources": {"DISK_GB": 10}}}]
    assert body["allocation_requests"][0]["mappings"] == {"": sorted([cn, storage])}


def test_same_subtree_and_resourceless_groups(placement: Placement) -> None:
    cn = placement.provider("cn")
    nic = _child(placement, cn, "nic")
    _traits(placement, nic, "CUSTOM_NIC_ROOT")
    pf0 = _child(placement, nic, "pf0", CUSTOM_VF={"total": 2}) if _vf(placement) else ""
    _child(placement, cn, "pf-elsewhere", CUSTOM_VF={"total": 2})
    query = ("/allocation_candidates?resources_PORT=CUSTOM_VF:1&required_NIC=CUSTOM_NIC_ROOT"
             "&same_subtree=_PORT,_NIC&group_policy=none")
    body = placement.get(query).json()
    assert [r["mappings"] for r in body["allocation_requests"]] == [
        {"_NIC": [nic], "_PORT": [pf0]}]
    resp = placement.get("/allocation_candidates?resources_PORT=CUSTOM_VF:1"
                         "&required_NIC=CUSTOM_NIC_ROOT&group_policy=none")
    assert resp.status_code == 400
    assert "same_subtree" in error_of(resp)["detail"]
    old = placement.at("1.35").get(query.split("&same_subtree")[0] + "&group_policy=none")
    assert old.status_code == 400


def _vf(placement: Placement) -> bool:
    return placement.put("/resource_classes/CUSTOM_VF").status_code in (201, 204)


def test_root_required_and_old_microversions(placement: Placement) -> None:
    cn, numa0, numa1 = _compute(placement)
    _traits(placement, cn, "CUSTOM_GOLD")
    other = placement.provider("plain", VCPU={"total": 8})
    gold = placement.get("/allocation_candidates?resources=VCPU:1&root_required=CUSTOM_GOLD")
    assert {next(iter(r["allocations"])) for r in gold.json()["allocation_requests"]} == {
        numa0, numa1}
    not_gold = placement.get("/allocation_candidates?resources=VCPU:1&root_required=!CUSTOM_GOLD")
    assert [next(iter(r["allocations"])) for r in not_gold.json()["allocation_requests"]] == [
        other]
    # Before 1.29 a client cannot take from two providers of one tree.
    placement.set_inventory(cn, MEMORY_MB={"total": 1024})
    query = "/allocation_candidates?resources=VCPU:1,MEMORY_MB:512"
    assert placement.at("1.28").get(query).json()["allocation_requests"] == []
    nested = placement.get(query).json()["allocation_requests"]
    assert sorted(sorted(r["allocations"]) for r in nested) == sorted(
        sorted([cn, numa]) for numa in (numa0, numa1))


def test_system_scope_is_refused_and_readers_see_their_usage(placement: Placement,
                                                             monkeypatch: Any) -> None:
    system_body = dict(personas.token_body("admin"))
    system_body.pop("project")
    system_body["system"] = {"all": True}
    original = personas.token_body
    monkeypatch.setattr(personas, "token_body", lambda persona: (
        system_body if persona == "system" else original(persona)))
    monkeypatch.setitem(personas._PERSONAS, "system", ("u-admin", "", ["admin"]))
    assert placement.as_("system").get("/resource_providers").status_code == 403
    reader = placement.as_("reader")
    assert reader.get(f"/usages?project_id={PROJECT}").status_code == 200
    assert reader.get(f"/usages?project_id={new_uuid()}").status_code == 403
    assert reader.get("/resource_providers").status_code == 403
