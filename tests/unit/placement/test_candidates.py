"""GET /allocation_candidates: what the compute scheduler asks before it claims."""

from __future__ import annotations

from typing import Any

from tests.unit.placement.conftest import Placement, error_of, new_uuid

QUERY = "/allocation_candidates?resources=VCPU:1,MEMORY_MB:512,DISK_GB:1"


def _hosts(placement: Placement) -> tuple[str, str, str]:
    full = dict(VCPU={"total": 8}, MEMORY_MB={"total": 4096}, DISK_GB={"total": 100})
    a = placement.provider("a", **full)
    b = placement.provider("b", **full)
    tiny = placement.provider("tiny", VCPU={"total": 1}, MEMORY_MB={"total": 256},
                              DISK_GB={"total": 10})
    return a, b, tiny


def _uuids(body: dict[str, Any]) -> set[str]:
    return {u for req in body["allocation_requests"] for u in req["allocations"]}


def test_dict_form_and_summaries(placement: Placement) -> None:
    a, b, _tiny = _hosts(placement)
    placement.claim(new_uuid(), a, VCPU=2, MEMORY_MB=1024)
    resp = placement.get(QUERY)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert _uuids(body) == {a, b}
    request = next(r for r in body["allocation_requests"] if a in r["allocations"])
    assert request["allocations"][a] == {"resources": {"VCPU": 1, "MEMORY_MB": 512,
                                                       "DISK_GB": 1}}
    assert request["mappings"] == {"": [a]}
    summary = body["provider_summaries"][a]
    assert summary["resources"]["VCPU"] == {"capacity": 8, "used": 2}
    assert summary["resources"]["MEMORY_MB"] == {"capacity": 4096, "used": 1024}
    assert summary["traits"] == []
    assert summary["root_provider_uuid"] == a
    assert summary["parent_provider_uuid"] is None


def test_list_form_before_1_12(placement: Placement) -> None:
    a, b, _tiny = _hosts(placement)
    body = placement.at("1.10").get(QUERY).json()
    for request in body["allocation_requests"]:
        (item,) = request["allocations"]
        assert item["resource_provider"]["uuid"] in {a, b}
        assert item["resources"] == {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
    assert "traits" not in body["provider_summaries"][a]
    assert placement.at("1.9").get(QUERY).status_code == 404


def test_summaries_show_only_requested_classes_before_1_27(placement: Placement) -> None:
    a, _b, _tiny = _hosts(placement)
    body = placement.at("1.26").get("/allocation_candidates?resources=VCPU:1").json()
    assert set(body["provider_summaries"][a]["resources"]) == {"VCPU"}
    body = placement.get("/allocation_candidates?resources=VCPU:1").json()
    assert set(body["provider_summaries"][a]["resources"]) == {"VCPU", "MEMORY_MB", "DISK_GB"}


def test_limit_required_and_member_of(placement: Placement) -> None:
    a, b, _tiny = _hosts(placement)
    assert len(placement.get(QUERY + "&limit=1").json()["allocation_requests"]) == 1
    placement.put(f"/resource_providers/{b}/traits", json={
        "traits": ["HW_CPU_X86_AVX2"], "resource_provider_generation": placement.generation(b)})
    assert _uuids(placement.get(QUERY + "&required=HW_CPU_X86_AVX2").json()) == {b}
    assert _uuids(placement.get(QUERY + "&required=!HW_CPU_X86_AVX2").json()) == {a}
    agg = new_uuid()
    placement.put(f"/resource_providers/{a}/aggregates", json={
        "aggregates": [agg], "resource_provider_generation": placement.generation(a)})
    assert _uuids(placement.get(QUERY + f"&member_of={agg}").json()) == {a}
    assert _uuids(placement.get(QUERY + f"&member_of=!{agg}").json()) == {b}
    assert _uuids(placement.get(QUERY + "&root_required=HW_CPU_X86_AVX2").json()) == {b}


def test_exhausted_provider_is_not_a_candidate(placement: Placement) -> None:
    a, b, tiny = _hosts(placement)
    placement.claim(new_uuid(), a, VCPU=8)
    assert _uuids(placement.get(QUERY).json()) == {b}
    assert _uuids(placement.get("/allocation_candidates?resources=VCPU:1").json()) == {b, tiny}
    empty = placement.get("/allocation_candidates?resources=VCPU:100").json()
    assert empty == {"allocation_requests": [], "provider_summaries": {}}


def test_granular_groups(placement: Placement) -> None:
    a, b, _tiny = _hosts(placement)
    query = ("/allocation_candidates?resources1=VCPU:1&resources2=MEMORY_MB:512"
             "&group_policy=none")
    body = placement.get(query).json()
    assert _uuids(body) == {a, b}
    request = next(r for r in body["allocation_requests"] if a in r["allocations"])
    assert request["mappings"] == {"1": [a], "2": [a]}
    isolate = placement.get(query.replace("none", "isolate")).json()
    assert isolate["allocation_requests"] == []
    assert placement.at("1.32").get(query.replace("&group_policy=none", "")).status_code == 400


def test_bad_queries(placement: Placement) -> None:
    _hosts(placement)
    resp = placement.get("/allocation_candidates")
    assert resp.status_code == 400
    error_of(resp)
    resp = placement.get("/allocation_candidates?resources=VCPU:one")
    assert resp.status_code == 400
    assert error_of(resp)["code"] == "placement.query.bad_value"
    resp = placement.get("/allocation_candidates?resources=CUSTOM_NOPE:1")
    assert resp.status_code == 400
    assert "CUSTOM_NOPE" in error_of(resp)["detail"]
    assert placement.get(QUERY + "&required=CUSTOM_NOPE").status_code == 400
    assert placement.get(QUERY + "&limit=0").status_code == 400
    assert placement.get(QUERY + "&colour=red").status_code == 400
    assert placement.get(QUERY + "&member_of=not-a-uuid").status_code == 400
    assert placement.at("1.15").get(QUERY + "&limit=1").status_code == 400
