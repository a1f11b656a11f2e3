"""Inventories: whole-set and per-class, validation, generations and in-use protection."""

from __future__ import annotations

from tests.unit.placement.conftest import Placement, error_of, new_uuid


def test_put_and_get_all_with_defaults(placement: Placement) -> None:
    rp = placement.provider()
    body = placement.set_inventory(rp, VCPU={"total": 8, "allocation_ratio": 16.0},
                                   DISK_GB={"total": 100, "reserved": 10})
    assert body["resource_provider_generation"] == 1
    assert body["inventories"]["VCPU"] == {
        "total": 8, "reserved": 0, "min_unit": 1, "max_unit": 2147483647, "step_size": 1,
        "allocation_ratio": 16.0}
    shown = placement.get(f"/resource_providers/{rp}/inventories").json()
    assert shown == body
    one = placement.get(f"/resource_providers/{rp}/inventories/DISK_GB").json()
    assert one["reserved"] == 10
    assert one["resource_provider_generation"] == 1


def test_stale_generation_is_concurrent_update(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 4})
    resp = placement.put(f"/resource_providers/{rp}/inventories", json={
        "resource_provider_generation": 0, "inventories": {"VCPU": {"total": 8}}})
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.concurrent_update"


def test_one_class_create_update_delete(placement: Placement) -> None:
    rp = placement.provider()
    resp = placement.post(f"/resource_providers/{rp}/inventories", json={
        "resource_class": "VCPU", "total": 4, "resource_provider_generation": 0})
    assert resp.status_code == 201
    assert resp.headers["location"].endswith(f"/resource_providers/{rp}/inventories/VCPU")
    resp = placement.put(f"/resource_providers/{rp}/inventories/VCPU", json={
        "total": 6, "resource_provider_generation": 1})
    assert resp.status_code == 200
    assert resp.json()["total"] == 6
    assert resp.json()["resource_provider_generation"] == 2
    assert placement.delete(f"/resource_providers/{rp}/inventories/VCPU").status_code == 204
    resp = placement.get(f"/resource_providers/{rp}/inventories/VCPU")
    assert resp.status_code == 404
    error_of(resp)


def test_validation(placement: Placement) -> None:
    rp = placement.provider()
    path = f"/resource_providers/{rp}/inventories"

    def put(inv: dict[str, object], version: str = "1.39") -> int:
        resp = placement.at(version).put(path, json={
            "resource_provider_generation": placement.generation(rp),
            "inventories": {"VCPU": inv}})
        if resp.status_code >= 400:
            error_of(resp)
        return int(resp.status_code)

    assert put({"total": 0}) == 400
    assert put({"reserved": 1}) == 400
    assert put({"total": 4, "reserved": 5}) == 400
    assert put({"total": 4, "min_unit": 3, "max_unit": 2}) == 400
    assert put({"total": 4, "step_size": 0}) == 400
    assert put({"total": 4, "allocation_ratio": 0}) == 400
    assert put({"total": 4, "colour": "red"}) == 400
    assert put({"total": "four"}) == 400
    assert put({"total": 4, "reserved": 4}, version="1.25") == 400
    assert put({"total": 4, "reserved": 4}) == 200


def test_unknown_resource_class_is_400(placement: Placement) -> None:
    rp = placement.provider()
    resp = placement.put(f"/resource_providers/{rp}/inventories", json={
        "resource_provider_generation": 0, "inventories": {"CUSTOM_NOPE": {"total": 1}}})
    assert resp.status_code == 400
    assert "CUSTOM_NOPE" in error_of(resp)["detail"]
    resp = placement.put(f"/resource_providers/{rp}/inventories", json={
        "resource_provider_generation": 0, "inventories": {"vcpu": {"total": 1}}})
    assert resp.status_code == 400


def test_inventory_in_use_cannot_be_removed(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 4}, MEMORY_MB={"total": 1024})
    assert placement.claim(new_uuid(), rp, VCPU=1).status_code == 204
    resp = placement.put(f"/resource_providers/{rp}/inventories", json={
        "resource_provider_generation": placement.generation(rp),
        "inventories": {"MEMORY_MB": {"total": 1024}}})
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.inventory.inuse"
    resp = placement.delete(f"/resource_providers/{rp}/inventories/VCPU")
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.inventory.inuse"
    assert placement.delete(f"/resource_providers/{rp}/inventories").status_code == 409
    resp = placement.delete(f"/resource_providers/{rp}/inventories/MEMORY_MB")
    assert resp.status_code == 204


def test_delete_all_needs_1_5(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 4})
    assert placement.at("1.4").delete(f"/resource_providers/{rp}/inventories").status_code == 404
    assert placement.delete(f"/resource_providers/{rp}/inventories").status_code == 204
    assert placement.get(f"/resource_providers/{rp}/inventories").json()["inventories"] == {}
