"""Bad input gets Placement's own 4xx ``errors`` body, never a 500."""

from __future__ import annotations

import pytest

from nimbus.placement.schemas import allocations, inventories, providers
from tests.unit.placement.conftest import Placement, error_of, new_uuid


@pytest.mark.parametrize("path_kind", ["providers", "inventories", "allocations", "traits"])
def test_malformed_json_is_400(placement: Placement, path_kind: str) -> None:
    rp = placement.provider()
    path = {"providers": "/resource_providers",
            "inventories": f"/resource_providers/{rp}/inventories",
            "allocations": f"/allocations/{new_uuid()}",
            "traits": f"/resource_providers/{rp}/traits"}[path_kind]
    method = "POST" if path_kind == "providers" else "PUT"
    resp = placement.request(method, path, content=b"{not json",
                             headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    error_of(resp)


def test_missing_and_extra_fields(placement: Placement) -> None:
    resp = placement.post("/resource_providers", json={})
    assert resp.status_code == 400
    assert "name" in error_of(resp)["detail"]
    assert placement.post("/resource_providers", json={"name": "a", "x": 1}).status_code == 400
    assert placement.post("/resource_providers", json={"name": "a", "uuid": "nope"}) \
        .status_code == 400
    assert placement.post("/resource_providers", json=["a"]).status_code == 400
    assert placement.post("/resource_providers", json={"name": "x" * 201}).status_code == 400
    assert placement.at("1.13").post("/resource_providers", json={
        "name": "a", "parent_provider_uuid": new_uuid()}).status_code == 400


def test_unknown_provider_paths_are_404(placement: Placement) -> None:
    rp = new_uuid()
    for path in ("", "/inventories", "/inventories/VCPU", "/usages", "/allocations",
                 "/traits", "/aggregates"):
        resp = placement.get(f"/resource_providers/{rp}{path}")
        assert resp.status_code == 404, path
        error_of(resp)


def test_bad_consumer_uuid_and_unknown_route(placement: Placement) -> None:
    resp = placement.put("/allocations/not-a-uuid", json={})
    assert resp.status_code == 400
    error_of(resp)
    resp = placement.get("/no_such_thing")
    assert resp.status_code == 404
    error_of(resp)
    resp = placement.request("PATCH", "/resource_providers")
    assert resp.status_code == 405
    error_of(resp)


def test_schemas_are_valid_json_schema() -> None:
    import jsonschema

    for schema in providers.ALL + inventories.ALL + allocations.ALL:
        jsonschema.Draft7Validator.check_schema(schema)
