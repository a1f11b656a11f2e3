"""The concurrency guarantees on PostgreSQL and MariaDB, each test on a scratch database.

The servers come from ``NIMBUS_TEST_PG`` / ``NIMBUS_TEST_MYSQL`` (see ``tests/support/backends``);
without them the tests are skipped (failed under ``CI=true``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nimbus.core.errors import Conflict
from nimbus.placement.manager.allocations import ConsumerAllocations
from tests.support.backends import scratch_database
from tests.unit.placement.conftest import Placement


@pytest.fixture(params=["postgresql", "mysql"])
def backend_cloud(request: Any,
                  make_cloud: Callable[..., Any]) -> Iterator[tuple[Any, Placement]]:
    with scratch_database(request.param) as url:
        cloud, api = make_cloud(["placement"], prefix="/placement", db_url=url)
        yield cloud, Placement(api)
        cloud.db.dispose()


@pytest.mark.integration
def test_racing_claims_never_oversubscribe(backend_cloud: tuple[Any, Placement]) -> None:
    cloud, placement = backend_cloud
    rp = placement.provider(VCPU={"total": 12})
    manager = cloud.runtimes["placement"].state.allocations
    won: list[str] = []
    lost: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def claim() -> None:
        consumer = str(uuid.uuid4())
        start.wait()
        try:
            manager.replace([ConsumerAllocations(consumer, {rp: {"VCPU": 1}}, "p", "u", None)])
            with lock:
                won.append(consumer)
        except Conflict:
            with lock:
                lost.append(consumer)

    threads = [threading.Thread(target=claim) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(won), len(lost)) == (12, 8)
    usages = placement.get(f"/resource_providers/{rp}/usages").json()
    assert usages == {"usages": {"VCPU": 12}, "resource_provider_generation": 13}
    for consumer in won:
        placement.delete(f"/allocations/{consumer}")
    placement.delete(f"/resource_providers/{rp}/inventories")
    placement.delete(f"/resource_providers/{rp}")


@pytest.mark.integration
def test_api_round_trip(backend_cloud: tuple[Any, Placement]) -> None:
    _cloud, placement = backend_cloud
    rp = placement.provider(VCPU={"total": 4, "allocation_ratio": 1.5},
                            MEMORY_MB={"total": 1024})
    consumer = str(uuid.uuid4())
    assert placement.claim(consumer, rp, VCPU=6, MEMORY_MB=1024).status_code == 204
    assert placement.claim(str(uuid.uuid4()), rp, VCPU=1).status_code == 409
    cands = placement.get("/allocation_candidates?resources=VCPU:1").json()
    assert rp not in cands["provider_summaries"]
    assert placement.delete(f"/allocations/{consumer}").status_code == 204
    placement.delete(f"/resource_providers/{rp}/inventories")
    assert placement.delete(f"/resource_providers/{rp}").status_code == 204
