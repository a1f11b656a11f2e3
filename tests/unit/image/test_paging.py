"""Every paged image list pages in SQL: 2,000 rows, walked 100 at a time, each query returning
at most a page and one more row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.image.db.models import Image, ImageTask, MetadefNamespace
from tests.support.paging import counting_rows, walk
from tests.support.personas import ADMIN_PROJECT, PROJECT

# Every route that declares both ``limit`` and ``marker``.
PAGED = {("GET", "/v2/images"), ("GET", "/v2/tasks"), ("GET", "/v2/metadefs/namespaces")}
ROWS = 2000
LIMIT = 100
BASE = dt.datetime(2024, 1, 1)


def _when(i: int) -> dt.datetime:
    # Seven rows share each second, so the order also rests on the id that breaks ties.
    return BASE + dt.timedelta(seconds=i // 7)


def _id(i: int) -> str:
    return f"{(i * 7919) % 10007:08d}-0000-4000-8000-{i:012d}"


def _image(i: int, **extra: Any) -> Image:
    return Image(id=_id(i), name=f"img{i}", owner=PROJECT, status="active",
                 visibility="private", disk_format="raw", container_format="bare",
                 created_at=_when(i), updated_at=_when(i), **extra)


def _images(s: Any) -> list[str]:
    rows = [_image(i) for i in range(ROWS)]
    s.add_all(rows)
    # Newest first, then by id, both descending (Glance's default).
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


def _tasks(s: Any) -> list[str]:
    rows = [ImageTask(id=_id(i), type="api_image_import", status="success", owner=PROJECT,
                      input={}, message="", created_at=_when(i), updated_at=_when(i))
            for i in range(ROWS)]
    s.add_all(rows)
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


def _namespaces(s: Any) -> list[str]:
    rows = [MetadefNamespace(id=_id(i), namespace=f"ns-{(i * 7919) % 10007:05d}",
                             visibility="public", protected=False, owner=ADMIN_PROJECT,
                             created_at=_when(i), updated_at=_when(i)) for i in range(ROWS)]
    s.add_all(rows)
    return [r.namespace for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


# route -> (rows to add, collection, the field each item is known by, who lists)
CASES: dict[str, tuple[Callable[[Any], list[str]], str, str, str]] = {
    "/v2/images": (_images, "images", "id", "member"),
    "/v2/tasks": (_tasks, "tasks", "id", "admin"),
    "/v2/metadefs/namespaces": (_namespaces, "namespaces", "namespace", "member"),
}


@pytest.mark.parametrize(("method", "path"), sorted(PAGED))
def test_list_pages_in_sql(image_cloud: Any, method: str, path: str) -> None:
    cloud, api = image_cloud
    setup, collection, key, persona = CASES[path]
    with cloud.db.writer() as s:
        expected = setup(s)
    client = api.as_(persona)
    # Glance's next links are relative to the service root, as the client's paths are.
    with counting_rows(cloud.db.engine) as counter:
        items = walk(client.get, f"{path}?limit={LIMIT}", collection)
    assert [item[key] for item in items] == expected
    assert counter.largest <= LIMIT + 1, counter.worst()


def test_a_full_page_offers_a_next_one(image_cloud: Any) -> None:
    cloud, api = image_cloud
    with cloud.db.writer() as s:
        s.add_all([_image(i) for i in range(5)])
    member = api.as_("member")
    assert "next" in member.get("/v2/images", params={"limit": 5}).json()
    assert "next" not in member.get("/v2/images", params={"limit": 6}).json()


@pytest.mark.parametrize("sort", ["name:asc", "size:desc,name:asc", "disk_format:asc"])
def test_sorted_pages_follow_the_sort(image_cloud: Any, sort: str) -> None:
    cloud, api = image_cloud
    with cloud.db.writer() as s:
        # Some names and sizes are missing: a marker sitting on a NULL must page on correctly.
        s.add_all([_image(i, size=None if i % 4 == 0 else i % 5) for i in range(30)])
        for row in s.query(Image).filter(Image.id.in_([_id(i) for i in range(0, 30, 3)])):
            row.name = None
    member = api.as_("member")
    whole = member.get("/v2/images", params={"sort": sort, "limit": 100}).json()["images"]
    paged = walk(member.get, f"/v2/images?limit=4&sort={sort}", "images")
    assert [i["id"] for i in paged] == [i["id"] for i in whole]
    assert len(whole) == 30


def test_an_unknown_marker_is_refused(image_cloud: Any) -> None:
    _cloud, api = image_cloud
    missing = "00000000-0000-0000-0000-000000000000"
    assert api.as_("member").get(f"/v2/images?marker={missing}").status_code == 400
    assert api.as_("admin").get(f"/v2/tasks?marker={missing}").status_code == 404
    assert api.as_("member").get("/v2/metadefs/namespaces?marker=nope").status_code == 404
