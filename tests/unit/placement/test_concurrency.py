"""Claims are atomic: racing writers never oversubscribe a provider."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from nimbus.core.errors import Conflict
from nimbus.placement.manager.allocations import ConsumerAllocations
from tests.unit.placement.conftest import Placement, new_uuid


def test_threads_claiming_through_the_api(placement: Placement) -> None:
    rp = placement.provider(VCPU={"total": 10})
    results: list[int] = []
    lock = threading.Lock()

    def claim() -> None:
        status = placement.claim(new_uuid(), rp, VCPU=1).status_code
        with lock:
            results.append(status)

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(204) == 10
    assert results.count(409) == 6
    assert placement.get(f"/resource_providers/{rp}/usages").json()["usages"] == {"VCPU": 10}


def test_threads_claiming_through_the_manager(cloud_api: tuple[Any, Placement]) -> None:
    cloud, placement = cloud_api
    rp = placement.provider(VCPU={"total": 20}, MEMORY_MB={"total": 20 * 512})
    manager = cloud.runtimes["placement"].state.allocations
    won: list[str] = []
    lost: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(24)

    def claim() -> None:
        consumer = str(uuid.uuid4())
        start.wait()
        try:
            manager.replace([ConsumerAllocations(
                consumer, {rp: {"VCPU": 1, "MEMORY_MB": 512}}, "p", "u", None)])
            with lock:
                won.append(consumer)
        except Conflict:
            with lock:
                lost.append(consumer)

    threads = [threading.Thread(target=claim) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 20 and len(lost) == 4
    usages = placement.get(f"/resource_providers/{rp}/usages").json()
    assert usages["usages"] == {"VCPU": 20, "MEMORY_MB": 20 * 512}
    # One generation bump per successful claim, on top of the inventory write.
    assert usages["resource_provider_generation"] == 1 + 20


def test_same_new_consumer_from_two_threads(cloud_api: tuple[Any, Placement]) -> None:
    cloud, placement = cloud_api
    rp = placement.provider(VCPU={"total": 4})
    manager = cloud.runtimes["placement"].state.allocations
    consumer = str(uuid.uuid4())
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def claim() -> None:
        start.wait()
        try:
            manager.replace([ConsumerAllocations(consumer, {rp: {"VCPU": 1}}, "p", "u", None)])
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.kwargs.get("error_code", ""))

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Both said "this consumer is new": exactly one may win, the other sees the conflict.
    assert sorted(outcomes) == ["ok", "placement.concurrent_update"]


def test_lost_race_rolls_back_and_retries(cloud_api: tuple[Any, Placement],
                                          monkeypatch: Any) -> None:
    from nimbus.placement.errors import RetryWrite
    from nimbus.placement.manager import allocations as module

    cloud, placement = cloud_api
    rp = placement.provider(VCPU={"total": 4})
    real = module.bump_generation
    calls: list[str] = []

    def flaky(*args: Any, **kwargs: Any) -> int:
        calls.append("x")
        if len(calls) == 1:
            raise RetryWrite("simulated")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "bump_generation", flaky)
    consumer = new_uuid()
    assert placement.claim(consumer, rp, VCPU=3).status_code == 204
    assert len(calls) == 2
    assert placement.get(f"/resource_providers/{rp}/usages").json()["usages"] == {"VCPU": 3}


def test_persistent_race_is_a_concurrent_update_409(cloud_api: tuple[Any, Placement],
                                                    monkeypatch: Any) -> None:
    from nimbus.placement.errors import RetryWrite
    from nimbus.placement.manager import allocations as module

    cloud, placement = cloud_api
    rp = placement.provider(VCPU={"total": 4})

    def always(*args: Any, **kwargs: Any) -> int:
        raise RetryWrite("simulated")

    monkeypatch.setattr(module, "bump_generation", always)
    resp = placement.claim(new_uuid(), rp, VCPU=1)
    assert resp.status_code == 409
    assert resp.json()["errors"][0]["code"] == "placement.concurrent_update"
    assert placement.get(f"/resource_providers/{rp}/usages").json()["usages"] == {"VCPU": 0}
