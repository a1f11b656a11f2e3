"""Resource providers: create, show, list filters, update, delete, generations."""

from __future__ import annotations

from tests.unit.placement.conftest import Placement, error_of, new_uuid


def test_create_returns_body_from_1_20(placement: Placement) -> None:
    rp_uuid = new_uuid()
    resp = placement.post("/resource_providers", json={"name": "host-a", "uuid": rp_uuid})
    assert resp.status_code == 200
    body = resp.json()
    assert body["uuid"] == rp_uuid
    assert body["name"] == "host-a"
    assert body["generation"] == 0
    assert body["parent_provider_uuid"] is None
    assert body["root_provider_uuid"] == rp_uuid
    rels = {link["rel"] for link in body["links"]}
    assert rels == {"self", "inventories", "usages", "aggregates", "traits", "allocations"}
    assert resp.headers["location"].endswith(f"/resource_providers/{rp_uuid}")


def test_create_before_1_20_is_201_with_location(placement: Placement) -> None:
    resp = placement.at("1.19").post("/resource_providers", json={"name": "host-b"})
    assert resp.status_code == 201
    assert resp.content == b""
    rp_uuid = resp.headers["location"].rsplit("/", 1)[1]
    shown = placement.at("1.0").get(f"/resource_providers/{rp_uuid}").json()
    assert "root_provider_uuid" not in shown
    assert {link["rel"] for link in shown["links"]} == {"self", "inventories", "usages"}


def test_duplicate_name_and_uuid_are_409(placement: Placement) -> None:
    rp_uuid = placement.provider("dup")
    resp = placement.post("/resource_providers", json={"name": "dup"})
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.duplicate_name"
    resp = placement.post("/resource_providers", json={"name": "other", "uuid": rp_uuid})
    assert resp.status_code == 409
    error_of(resp)


def test_show_unknown_is_404_in_errors_format(placement: Placement) -> None:
    resp = placement.get(f"/resource_providers/{new_uuid()}")
    assert resp.status_code == 404
    err = error_of(resp)
    assert err["code"] == "placement.undefined_code"
    assert "No resource provider" in err["detail"]
    assert placement.get("/resource_providers/not-a-uuid").status_code == 404


def test_update_and_delete(placement: Placement) -> None:
    rp_uuid = placement.provider("old")
    resp = placement.put(f"/resource_providers/{rp_uuid}", json={"name": "new"})
    assert resp.status_code == 200
    assert resp.json()["name"] == "new"
    # A rename is not a change the generation guards (inventories, traits, allocations...).
    assert resp.json()["generation"] == 0
    other = placement.provider("taken")
    resp = placement.put(f"/resource_providers/{other}", json={"name": "new"})
    assert resp.status_code == 409
    assert placement.delete(f"/resource_providers/{rp_uuid}").status_code == 204
    assert placement.get(f"/resource_providers/{rp_uuid}").status_code == 404
    assert placement.delete(f"/resource_providers/{rp_uuid}").status_code == 404


def test_nested_providers(placement: Placement) -> None:
    root = placement.provider("root")
    resp = placement.post("/resource_providers",
                          json={"name": "child", "parent_provider_uuid": root})
    assert resp.status_code == 200
    child = resp.json()
    assert child["parent_provider_uuid"] == root
    assert child["root_provider_uuid"] == root
    tree = placement.get(f"/resource_providers?in_tree={child['uuid']}").json()
    assert {rp["uuid"] for rp in tree["resource_providers"]} == {root, child["uuid"]}
    resp = placement.delete(f"/resource_providers/{root}")
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.resource_provider.cannot_delete_parent"
    bad = placement.post("/resource_providers",
                         json={"name": "orphan", "parent_provider_uuid": new_uuid()})
    assert bad.status_code == 400


def test_list_filters(placement: Placement) -> None:
    small = placement.provider("small", VCPU={"total": 2})
    big = placement.provider("big", VCPU={"total": 16}, MEMORY_MB={"total": 8192})
    agg = new_uuid()
    placement.put(f"/resource_providers/{big}/aggregates",
                  json={"aggregates": [agg], "resource_provider_generation":
                        placement.generation(big)})
    placement.put(f"/resource_providers/{small}/traits",
                  json={"traits": ["HW_CPU_X86_AVX2"],
                        "resource_provider_generation": placement.generation(small)})

    def names(query: str) -> set[str]:
        resp = placement.get(f"/resource_providers?{query}")
        assert resp.status_code == 200, resp.text
        return {rp["name"] for rp in resp.json()["resource_providers"]}

    assert names("") == {"small", "big"}
    assert names("name=small") == {"small"}
    assert names(f"uuid={big}") == {"big"}
    assert names("resources=VCPU:4") == {"big"}
    assert names("resources=VCPU:1,MEMORY_MB:1") == {"big"}
    assert names(f"member_of={agg}") == {"big"}
    assert names(f"member_of=in:{agg},{new_uuid()}") == {"big"}
    assert names("required=HW_CPU_X86_AVX2") == {"small"}
    assert names("required=!HW_CPU_X86_AVX2") == {"big"}


def test_list_rejects_unknown_and_early_filters(placement: Placement) -> None:
    assert placement.get("/resource_providers?colour=red").status_code == 400
    assert placement.at("1.3").get("/resource_providers?resources=VCPU:1").status_code == 400
    resp = placement.get("/resource_providers?resources=VCPU")
    assert resp.status_code == 400
    assert error_of(resp)["code"] == "placement.query.bad_value"


def test_reparenting_needs_1_37(placement: Placement) -> None:
    root_a, root_b = placement.provider("ra"), placement.provider("rb")
    child = placement.post("/resource_providers", json={
        "name": "kid", "parent_provider_uuid": root_a}).json()["uuid"]
    grandchild = placement.post("/resource_providers", json={
        "name": "grandkid", "parent_provider_uuid": child}).json()["uuid"]
    move = {"name": "kid", "parent_provider_uuid": root_b}
    assert placement.at("1.36").put(f"/resource_providers/{child}", json=move).status_code == 400
    moved = placement.put(f"/resource_providers/{child}", json=move)
    assert moved.status_code == 200, moved.text
    assert moved.json()["root_provider_uuid"] == root_b
    assert placement.get(f"/resource_providers/{grandchild}").json()["root_provider_uuid"] \
        == root_b
    loop = {"name": "kid", "parent_provider_uuid": grandchild}
    assert placement.put(f"/resource_providers/{child}", json=loop).status_code == 400
    detached = placement.put(f"/resource_providers/{child}",
                             json={"name": "kid", "parent_provider_uuid": None}).json()
    assert detached["parent_provider_uuid"] is None
    assert detached["root_provider_uuid"] == child
    assert placement.get(f"/resource_providers/{grandchild}").json()["root_provider_uuid"] \
        == child
    # A root gaining a parent was allowed from 1.14.
    adopt = {"name": "ra", "parent_provider_uuid": root_b}
    assert placement.at("1.14").put(f"/resource_providers/{root_a}", json=adopt).status_code \
        == 200


def test_list_has_no_granular_groups(placement: Placement) -> None:
    assert placement.get("/resource_providers?resources1=VCPU:1").status_code == 400
