"""Traits, custom resource classes and aggregates."""

from __future__ import annotations

from tests.unit.placement.conftest import Placement, error_of, new_uuid


def test_standard_traits_and_filters(placement: Placement) -> None:
    traits = placement.get("/traits").json()["traits"]
    assert "COMPUTE_VOLUME_ATTACH" in traits
    assert "HW_CPU_X86_AVX2" in traits
    found = placement.get("/traits?name=startswith:COMPUTE_IMAGE").json()["traits"]
    assert found and all(t.startswith("COMPUTE_IMAGE") for t in found)
    found = placement.get("/traits?name=in:HW_CPU_X86_SSE,CUSTOM_X").json()["traits"]
    assert found == ["HW_CPU_X86_SSE"]
    assert placement.get("/traits?name=HW").status_code == 400


def test_custom_trait_lifecycle(placement: Placement) -> None:
    assert placement.put("/traits/CUSTOM_GOLD").status_code == 201
    assert placement.put("/traits/CUSTOM_GOLD").status_code == 204
    assert placement.get("/traits/CUSTOM_GOLD").status_code == 204
    assert placement.put("/traits/GOLD").status_code == 400
    assert placement.delete("/traits/HW_CPU_X86_SSE").status_code == 400
    rp = placement.provider()
    resp = placement.put(f"/resource_providers/{rp}/traits", json={
        "traits": ["CUSTOM_GOLD", "COMPUTE_NODE"], "resource_provider_generation": 0})
    assert resp.status_code == 200
    assert resp.json() == {"traits": ["COMPUTE_NODE", "CUSTOM_GOLD"],
                           "resource_provider_generation": 1}
    assert placement.get("/traits?associated=true").json()["traits"] == [
        "COMPUTE_NODE", "CUSTOM_GOLD"]
    assert placement.delete("/traits/CUSTOM_GOLD").status_code == 409
    assert placement.delete(f"/resource_providers/{rp}/traits").status_code == 204
    assert placement.get(f"/resource_providers/{rp}/traits").json()["traits"] == []
    assert placement.delete("/traits/CUSTOM_GOLD").status_code == 204
    resp = placement.get("/traits/CUSTOM_GOLD")
    assert resp.status_code == 404
    error_of(resp)


def test_provider_traits_errors(placement: Placement) -> None:
    rp = placement.provider()
    resp = placement.put(f"/resource_providers/{rp}/traits", json={
        "traits": ["CUSTOM_MISSING"], "resource_provider_generation": 0})
    assert resp.status_code == 400
    resp = placement.put(f"/resource_providers/{rp}/traits", json={
        "traits": [], "resource_provider_generation": 7})
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.concurrent_update"
    resp = placement.put(f"/resource_providers/{rp}/traits", json={"traits": []})
    assert resp.status_code == 400


def test_custom_resource_classes(placement: Placement) -> None:
    names = [rc["name"] for rc in placement.get("/resource_classes").json()["resource_classes"]]
    assert {"VCPU", "MEMORY_MB", "DISK_GB"} <= set(names)
    resp = placement.post("/resource_classes", json={"name": "CUSTOM_BAREMETAL"})
    assert resp.status_code == 201
    assert placement.post("/resource_classes", json={"name": "CUSTOM_BAREMETAL"}).status_code \
        == 409
    assert placement.post("/resource_classes", json={"name": "BAREMETAL"}).status_code == 400
    assert placement.put("/resource_classes/CUSTOM_FPGA_X").status_code == 201
    assert placement.put("/resource_classes/CUSTOM_FPGA_X").status_code == 204
    shown = placement.get("/resource_classes/CUSTOM_BAREMETAL").json()
    assert shown["name"] == "CUSTOM_BAREMETAL"
    rp = placement.provider(CUSTOM_BAREMETAL={"total": 1})
    assert placement.delete("/resource_classes/CUSTOM_BAREMETAL").status_code == 409
    assert placement.delete("/resource_classes/VCPU").status_code == 400
    placement.delete(f"/resource_providers/{rp}/inventories")
    assert placement.delete("/resource_classes/CUSTOM_BAREMETAL").status_code == 204
    assert placement.get("/resource_classes/CUSTOM_BAREMETAL").status_code == 404


def test_aggregates_both_forms(placement: Placement) -> None:
    rp = placement.provider()
    agg = new_uuid()
    old = placement.at("1.18").put(f"/resource_providers/{rp}/aggregates", json=[agg])
    assert old.status_code == 200
    assert old.json() == {"aggregates": [agg]}
    new = placement.get(f"/resource_providers/{rp}/aggregates").json()
    assert new == {"aggregates": [agg], "resource_provider_generation": 1}
    resp = placement.put(f"/resource_providers/{rp}/aggregates",
                         json={"aggregates": [], "resource_provider_generation": 0})
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.concurrent_update"
    resp = placement.put(f"/resource_providers/{rp}/aggregates", json=[agg])
    assert resp.status_code == 400
    assert placement.at("1.0").get(f"/resource_providers/{rp}/aggregates").status_code == 404
