"""Container listings are read off the (container, name) index, and a listing with a delimiter
asks each query for a few rows, most of them stopping at their first pseudo-directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nimbus.object.db import listings
from tests.support.query_plans import assert_reads_index, page_plan, selects
from tests.unit.object.conftest import account

COVERS = [("object", "container listings (first page, prefix, marker, reverse) read off the "
                     "(container, name) index; a delimiter's queries ask for a few rows, more "
                     "while there is no pseudo-directory")]

DIRS, PER_DIR = 3, 30


@pytest.fixture
def container(make_cloud: Callable[..., Any]) -> tuple[Any, Any]:
    cloud, api = make_cloud(["object"], prefix="/object")
    member = api.as_("member")
    assert member.put(f"{account()}/c").status_code == 201
    for d in range(DIRS):
        for i in range(PER_DIR):
            assert member.put(f"{account()}/c/d{d}/o{i:02d}", content=b"x").status_code == 201
    return cloud, member


@pytest.mark.parametrize("query", ["format=json&limit=10", "format=json", "prefix=d1/",
                                   "marker=d1/o05&limit=10", "reverse=on&limit=10"])
def test_a_listing_comes_off_the_name_index(container: Any, query: str) -> None:
    cloud, member = container

    def request() -> None:
        resp = member.get(f"{account()}/c?{query}")
        assert resp.status_code == 200, resp.text

    plan = page_plan(cloud.db.engine, "object_objects", request)
    assert_reads_index(plan, "ix_object_objects_container_name")


def test_a_delimiter_asks_for_few_rows_of_each_directory(container: Any) -> None:
    cloud, member = container
    with selects(cloud.db.engine) as seen:
        resp = member.get(f"{account()}/c?delimiter=/&format=json")
    assert resp.json() == [{"subdir": f"d{d}/"} for d in range(DIRS)]
    # One query a directory (and one that finds nothing after the last), each asking for a
    # few rows: not for the page's 10,000, most of them the directory's own objects.
    limits = [params[-2] for statement, params in seen if "FROM object_objects" in statement
              and "ORDER BY" in statement]
    assert limits == [listings.DELIMITED_BATCH] * (DIRS + 1)


def test_a_run_of_plain_objects_is_read_in_growing_batches(container: Any) -> None:
    cloud, member = container
    with selects(cloud.db.engine) as seen:
        resp = member.get(f"{account()}/c?prefix=d1/&delimiter=/&format=json")
    assert [o["name"] for o in resp.json()] == [f"d1/o{i:02d}" for i in range(PER_DIR)]
    limits = [params[-2] for statement, params in seen if "FROM object_objects" in statement
              and "ORDER BY" in statement]
    batch = listings.DELIMITED_BATCH
    assert limits == [batch, batch * 2]
