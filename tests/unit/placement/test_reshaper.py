"""POST /reshaper (1.30+): inventory and allocations move between providers in one step."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import personas
from tests.unit.placement.conftest import PROJECT, USER, Placement, error_of, new_uuid


@pytest.fixture
def service(placement: Placement, monkeypatch: Any) -> Placement:
    """Placement as a service user (role service), the only caller the reshaper admits."""
    monkeypatch.setitem(personas._PERSONAS, "service",
                        ("u-nova", "d0000000000000000000000000000000", ["service"]))
    return placement.as_("service")


def _tree(placement: Placement) -> tuple[str, str, str]:
    """A root with 8 VCPU of which a consumer holds 3, and an empty child."""
    root = placement.provider("root", VCPU={"total": 8})
    child = new_uuid()
    assert placement.post("/resource_providers", json={
        "name": "child", "uuid": child, "parent_provider_uuid": root}).status_code == 200
    consumer = new_uuid()
    assert placement.claim(consumer, root, VCPU=3).status_code == 204
    return root, child, consumer


def _move(placement: Placement, root: str, child: str, consumer: str,
          root_gen: int | None = None) -> dict[str, Any]:
    return {
        "inventories": {
            root: {"resource_provider_generation": (placement.generation(root)
                                                    if root_gen is None else root_gen),
                   "inventories": {}},
            child: {"resource_provider_generation": placement.generation(child),
                    "inventories": {"VCPU": {"total": 8}}},
        },
        "allocations": {consumer: {
            "allocations": {child: {"resources": {"VCPU": 3}}},
            "project_id": PROJECT, "user_id": USER, "consumer_generation": 1,
            "consumer_type": "INSTANCE"}},
    }


def test_moves_inventory_and_allocations_to_a_child(placement: Placement,
                                                    service: Placement) -> None:
    root, child, consumer = _tree(placement)
    root_gen, child_gen = placement.generation(root), placement.generation(child)
    resp = service.post("/reshaper", json=_move(placement, root, child, consumer))
    assert resp.status_code == 204, resp.text
    assert placement.get(f"/resource_providers/{root}/inventories").json()["inventories"] == {}
    assert placement.get(f"/resource_providers/{child}/usages").json()["usages"] == {"VCPU": 3}
    held = placement.get(f"/allocations/{consumer}").json()
    assert set(held["allocations"]) == {child}
    assert held["consumer_generation"] == 2
    # Widened, then the allocations moved, then narrowed: each step bumps the generation.
    assert placement.generation(root) == root_gen + 2
    assert placement.generation(child) == child_gen + 3


def test_a_stale_generation_changes_nothing(placement: Placement, service: Placement) -> None:
    root, child, consumer = _tree(placement)
    body = _move(placement, root, child, consumer, root_gen=placement.generation(root) + 5)
    resp = service.post("/reshaper", json=body)
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.concurrent_update"
    assert set(placement.get(f"/allocations/{consumer}").json()["allocations"]) == {root}


def test_removing_inventory_still_allocated_is_a_conflict(placement: Placement,
                                                          service: Placement) -> None:
    root, _child, _consumer = _tree(placement)
    resp = service.post("/reshaper", json={"inventories": {root: {
        "resource_provider_generation": placement.generation(root), "inventories": {}}},
        "allocations": {}})
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.inventory.inuse"
    assert "VCPU" in placement.get(f"/resource_providers/{root}/inventories").json()[
        "inventories"]


def test_unknown_provider_is_a_400(service: Placement) -> None:
    missing = new_uuid()
    resp = service.post("/reshaper", json={"inventories": {missing: {
        "resource_provider_generation": 0, "inventories": {}}}, "allocations": {}})
    assert resp.status_code == 400
    assert error_of(resp)["code"] == "placement.resource_provider.not_found"


def test_only_the_service_role_may_reshape(placement: Placement, service: Placement) -> None:
    root, child, consumer = _tree(placement)
    body = _move(placement, root, child, consumer)
    assert placement.post("/reshaper", json=body).status_code == 403
    assert service.at("1.29").post("/reshaper", json=body).status_code == 404


def test_consumer_type_needs_1_38(placement: Placement, service: Placement) -> None:
    root, child, consumer = _tree(placement)
    body = _move(placement, root, child, consumer)
    resp = service.at("1.37").post("/reshaper", json=body)
    assert resp.status_code == 400
    assert "consumer_type" in error_of(resp)["detail"]
