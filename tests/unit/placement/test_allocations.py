"""Allocations: forms by microversion, capacity and unit checks, consumer generations, moves."""

from __future__ import annotations

from tests.unit.placement.conftest import PROJECT, USER, Placement, error_of, new_uuid


def test_claim_show_and_delete(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 4}, MEMORY_MB={"total": 2048})
    consumer = new_uuid()
    assert placement.claim(consumer, rp, VCPU=2, MEMORY_MB=512).status_code == 204
    body = placement.get(f"/allocations/{consumer}").json()
    assert body == {
        "allocations": {rp: {"generation": 2, "resources": {"VCPU": 2, "MEMORY_MB": 512}}},
        "project_id": PROJECT, "user_id": USER, "consumer_generation": 1,
        "consumer_type": "INSTANCE"}
    old = placement.at("1.11").get(f"/allocations/{consumer}").json()
    assert set(old) == {"allocations"}
    by_rp = placement.get(f"/resource_providers/{rp}/allocations").json()
    assert by_rp == {"allocations": {consumer: {"resources": {"VCPU": 2, "MEMORY_MB": 512}}},
                     "resource_provider_generation": 2}
    assert placement.delete(f"/allocations/{consumer}").status_code == 204
    assert placement.get(f"/allocations/{consumer}").json() == {"allocations": {}}
    resp = placement.delete(f"/allocations/{consumer}")
    assert resp.status_code == 404
    error_of(resp)


def test_list_form_before_1_12(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 4})
    consumer = new_uuid()
    resp = placement.at("1.8").put(f"/allocations/{consumer}", json={
        "allocations": [{"resource_provider": {"uuid": rp}, "resources": {"VCPU": 1}}],
        "project_id": PROJECT, "user_id": USER})
    assert resp.status_code == 204
    resp = placement.at("1.8").put(f"/allocations/{consumer}", json={
        "allocations": {rp: {"resources": {"VCPU": 1}}}, "project_id": PROJECT,
        "user_id": USER})
    assert resp.status_code == 400
    resp = placement.at("1.12").put(f"/allocations/{consumer}", json={
        "allocations": {rp: {"resources": {"VCPU": 2}}}, "project_id": PROJECT,
        "user_id": USER})
    assert resp.status_code == 204
    assert placement.get(f"/resource_providers/{rp}/usages").json()["usages"] == {"VCPU": 2}


def test_capacity_is_total_minus_reserved_times_ratio(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 4, "reserved": 1, "allocation_ratio": 2.0})
    assert placement.claim(new_uuid(), rp, VCPU=4).status_code == 204
    assert placement.claim(new_uuid(), rp, VCPU=2).status_code == 204
    resp = placement.claim(new_uuid(), rp, VCPU=1)
    assert resp.status_code == 409
    detail = error_of(resp)["detail"]
    assert rp in detail and "VCPU" in detail and "capacity" in detail
    assert placement.get(f"/resource_providers/{rp}/usages").json()["usages"] == {"VCPU": 6}


def test_replacing_own_allocation_does_not_double_count(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 4})
    consumer = new_uuid()
    assert placement.claim(consumer, rp, VCPU=3).status_code == 204
    assert placement.claim(consumer, rp, generation=1, VCPU=4).status_code == 204


def test_unit_constraints(placement: Placement) -> None:
    rp = placement.provider(MEMORY_MB={"total": 4096, "min_unit": 256, "max_unit": 2048,
                                       "step_size": 256})
    for amount in (128, 4096, 300):
        resp = placement.claim(new_uuid(), rp, MEMORY_MB=amount)
        assert resp.status_code == 409, amount
        assert "MEMORY_MB" in error_of(resp)["detail"]
    assert placement.claim(new_uuid(), rp, MEMORY_MB=512).status_code == 204


def test_class_without_inventory_unknown_provider_and_class(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 4})
    assert placement.claim(new_uuid(), rp, DISK_GB=1).status_code == 409
    resp = placement.claim(new_uuid(), new_uuid(), VCPU=1)
    assert resp.status_code == 400
    assert "that does not exist" in error_of(resp)["detail"]
    resp = placement.claim(new_uuid(), rp, CUSTOM_UNKNOWN=1)
    assert resp.status_code == 400
    assert "CUSTOM_UNKNOWN" in error_of(resp)["detail"]
    assert placement.claim(new_uuid(), rp, VCPU=0).status_code == 400


def test_consumer_generation(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 8})
    consumer = new_uuid()
    resp = placement.claim(consumer, rp, generation=3, VCPU=1)
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.concurrent_update"
    assert placement.claim(consumer, rp, generation=None, VCPU=1).status_code == 204
    resp = placement.claim(consumer, rp, generation=None, VCPU=2)
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.concurrent_update"
    assert placement.claim(consumer, rp, generation=1, VCPU=2).status_code == 204
    assert placement.get(f"/allocations/{consumer}").json()["consumer_generation"] == 2
    missing = placement.at("1.28").put(f"/allocations/{consumer}", json={
        "allocations": {rp: {"resources": {"VCPU": 1}}}, "project_id": PROJECT,
        "user_id": USER})
    assert missing.status_code == 400


def test_post_allocations_moves_a_consumer(placement: Placement) -> None:
    source = placement.provider("src", VCPU={"total": 4})
    dest = placement.provider("dst", VCPU={"total": 4})
    instance, migration = new_uuid(), new_uuid()
    assert placement.claim(instance, source, VCPU=3).status_code == 204
    resp = placement.post("/allocations", json={
        migration: {"allocations": {source: {"resources": {"VCPU": 3}}}, "project_id": PROJECT,
                    "user_id": USER, "consumer_generation": None, "consumer_type": "MIGRATION"},
        instance: {"allocations": {dest: {"resources": {"VCPU": 3}}}, "project_id": PROJECT,
                   "user_id": USER, "consumer_generation": 1, "consumer_type": "INSTANCE"},
    })
    assert resp.status_code == 204, resp.text
    assert placement.get(f"/allocations/{instance}").json()["allocations"][dest]["resources"] \
        == {"VCPU": 3}
    assert placement.get(f"/allocations/{migration}").json()["allocations"][source][
        "resources"] == {"VCPU": 3}
    # A batch is all or nothing: the second consumer does not fit, so neither is written.
    resp = placement.post("/allocations", json={
        migration: {"allocations": {}, "project_id": PROJECT, "user_id": USER,
                    "consumer_generation": 1, "consumer_type": "MIGRATION"},
        new_uuid(): {"allocations": {dest: {"resources": {"VCPU": 2}}}, "project_id": PROJECT,
                     "user_id": USER, "consumer_generation": None, "consumer_type": "INSTANCE"},
    })
    assert resp.status_code == 409
    assert placement.get(f"/allocations/{migration}").json()["allocations"]
    assert placement.at("1.12").post("/allocations", json={}).status_code == 404


def test_usages_per_project(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 8}, MEMORY_MB={"total": 4096})
    placement.claim(new_uuid(), rp, VCPU=1, MEMORY_MB=512)
    placement.claim(new_uuid(), rp, VCPU=2, MEMORY_MB=1024)
    flat = placement.at("1.9").get(f"/usages?project_id={PROJECT}").json()
    assert flat == {"usages": {"VCPU": 3, "MEMORY_MB": 1536}}
    typed = placement.get(f"/usages?project_id={PROJECT}&user_id={USER}").json()
    assert typed == {"usages": {"INSTANCE": {"VCPU": 3, "MEMORY_MB": 1536,
                                             "consumer_count": 2}}}
    assert placement.get("/usages?project_id=nobody").json() == {"usages": {}}
    resp = placement.get("/usages")
    assert resp.status_code == 400
    error_of(resp)
    usages = placement.get(f"/resource_providers/{rp}/usages").json()
    assert usages == {"usages": {"VCPU": 3, "MEMORY_MB": 1536},
                      "resource_provider_generation": 3}


def test_provider_with_allocations_cannot_be_deleted(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 4})
    consumer = new_uuid()
    placement.claim(consumer, rp, VCPU=1)
    resp = placement.delete(f"/resource_providers/{rp}")
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "placement.resource_provider.inuse"
    placement.delete(f"/allocations/{consumer}")
    assert placement.delete(f"/resource_providers/{rp}").status_code == 204
