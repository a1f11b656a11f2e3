"""The provider list and allocation candidates filter in SQL: only matching providers are loaded,
and the SQL conditions keep the rules the claim itself applies (capacity, units, traits, trees)."""

from __future__ import annotations

from typing import Any

from nimbus.placement.db.models import Inventory, ResourceProvider
from tests.support.paging import counting_rows
from tests.unit.placement.conftest import PROJECT, USER, Placement, new_uuid

MANY = 600


def _crowd(cloud: Any) -> None:
    """``MANY`` small providers (2 VCPU each) written in one transaction."""
    with cloud.db.writer() as s:
        rps = [ResourceProvider(uuid=new_uuid(), name=f"small-{i}", generation=0)
               for i in range(MANY)]
        s.add_all(rps)
        s.flush()
        for rp in rps:
            rp.root_provider_id = rp.id
            s.add(Inventory(resource_provider_id=rp.id, resource_class="VCPU", total=2,
                            reserved=0, min_unit=1, max_unit=2, step_size=1,
                            allocation_ratio=1.0))


def test_lists_load_only_what_matches(cloud_api: tuple[Any, Placement]) -> None:
    cloud, placement = cloud_api
    _crowd(cloud)
    big = [placement.provider(f"big-{i}", VCPU={"total": 16}) for i in range(3)]
    with counting_rows(cloud.db.engine) as counter:
        listed = placement.get("/resource_providers?resources=VCPU:4").json()
        candidates = placement.get("/allocation_candidates?resources=VCPU:4&limit=2").json()
        everything = placement.get("/allocation_candidates?resources=VCPU:1&limit=5").json()
    assert [rp["uuid"] for rp in listed["resource_providers"]] == big
    assert [next(iter(r["allocations"])) for r in candidates["allocation_requests"]] == big[:2]
    assert set(candidates["provider_summaries"]) == set(big[:2])
    assert len(everything["allocation_requests"]) == 5
    assert counter.largest <= 10, counter.worst()


def test_unit_rules_and_usage_narrow_the_list(placement: Placement) -> None:
    placement.provider("stepped", MEMORY_MB={"total": 4096, "min_unit": 256,
                                                       "max_unit": 2048, "step_size": 256})
    plain = placement.provider("plain", MEMORY_MB={"total": 1024})

    def names(query: str) -> set[str]:
        body = placement.get(f"/resource_providers?{query}").json()
        return {rp["name"] for rp in body["resource_providers"]}

    assert names("resources=MEMORY_MB:512") == {"stepped", "plain"}
    assert names("resources=MEMORY_MB:300") == {"plain"}
    assert names("resources=MEMORY_MB:128") == {"plain"}
    assert names("resources=MEMORY_MB:2048") == {"stepped"}
    placement.claim(new_uuid(), plain, MEMORY_MB=768)
    assert names("resources=MEMORY_MB:512") == {"stepped"}
    assert names("resources=MEMORY_MB:256") == {"stepped", "plain"}
    assert placement.get(f"/resource_providers?in_tree={new_uuid()}").json() == {
        "resource_providers": []}


def test_groups_on_one_provider_must_fit_together(placement: Placement) -> None:
    placement.provider("four", VCPU={"total": 4})
    roomy = placement.provider("eight", VCPU={"total": 8})
    query = ("/allocation_candidates?resources1=VCPU:3&resources2=VCPU:3&group_policy=none")
    body = placement.get(query).json()
    assert [next(iter(r["allocations"])) for r in body["allocation_requests"]] == [roomy]
    assert body["allocation_requests"][0]["allocations"][roomy]["resources"] == {"VCPU": 6}


def test_usages_by_consumer_type(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 8})
    placement.claim(new_uuid(), rp, VCPU=1)
    resp = placement.put(f"/allocations/{new_uuid()}", json={
        "allocations": {rp: {"resources": {"VCPU": 2}}}, "project_id": PROJECT,
        "user_id": USER, "consumer_generation": None, "consumer_type": "MIGRATION"})
    assert resp.status_code == 204
    base = f"/usages?project_id={PROJECT}"
    assert placement.get(base + "&consumer_type=MIGRATION").json() == {
        "usages": {"MIGRATION": {"VCPU": 2, "consumer_count": 1}}}
    assert placement.get(base + "&consumer_type=all").json() == {
        "usages": {"all": {"VCPU": 3, "consumer_count": 2}}}
    assert placement.get(base).json() == {"usages": {
        "INSTANCE": {"VCPU": 1, "consumer_count": 1},
        "MIGRATION": {"VCPU": 2, "consumer_count": 1}}}


def test_trait_filters_cover_custom_traits(placement: Placement) -> None:
    for name in ("CUSTOM_GOLD", "CUSTOM_GOLDEN", "CUSTOM_SILVER"):
        assert placement.put(f"/traits/{name}").status_code == 201
    found = placement.get("/traits?name=startswith:CUSTOM_GOLD").json()["traits"]
    assert found == ["CUSTOM_GOLD", "CUSTOM_GOLDEN"]
    assert placement.get("/traits?name=startswith:custom_gold").json()["traits"] == []
    found = placement.get("/traits?name=in:CUSTOM_SILVER,HW_CPU_X86_SSE,CUSTOM_NONE").json()
    assert found["traits"] == ["CUSTOM_SILVER", "HW_CPU_X86_SSE"]
    rp = placement.provider()
    placement.put(f"/resource_providers/{rp}/traits", json={
        "traits": ["CUSTOM_GOLDEN"], "resource_provider_generation": 0})
    unused = placement.get("/traits?name=startswith:CUSTOM_&associated=false").json()
    assert unused["traits"] == ["CUSTOM_GOLD", "CUSTOM_SILVER"]
