"""Every list that takes ``limit`` and ``marker`` is proven to page in SQL.

Each service's ``tests/unit/<service>/test_paging.py`` lists the routes it walks (``PAGED``,
as ``(method, path)`` pairs); that test creates 2,000 rows and pages through them with
``limit=100`` while counting the rows each query returns (``tests/support/paging.py``). This test
makes sure no paged route is left out, so a new list cannot skip the proof.
"""

from __future__ import annotations

import importlib

import pytest

from nimbus.core.plugins import SERVICES, service_definition


def _paged_routes(service: str) -> set[tuple[str, str]]:
    found = set()
    for spec in service_definition(service).router.routes:
        props = (spec.query or {}).get("properties", {})
        if "limit" in props and "marker" in props:
            found.update((m, spec.path) for m in spec.methods)
    return found


PAGING = {service: _paged_routes(service) for service in SERVICES}


def test_every_service_with_lists_pages_them() -> None:
    # Placement's API has no paged list, and the dashboard has no API (its pages page as the
    # APIs they read do); every other service's does.
    assert {s for s, routes in PAGING.items() if not routes} <= {"placement", "dashboard"}


@pytest.mark.parametrize("service", [s for s, routes in PAGING.items() if routes])
def test_every_paged_list_has_a_sql_paging_test(service: str) -> None:
    routes = PAGING[service]
    module = importlib.import_module(f"tests.unit.{service}.test_paging")
    missing = routes - set(module.PAGED)
    assert not missing, f"paged lists of {service} without a SQL paging test: {sorted(missing)}"
