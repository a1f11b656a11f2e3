"""Every paged block-storage list pages in SQL: 2,000 rows, walked 100 at a time, each query
returning at most a page and one more row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.volume.db.models import Attachment, Message, Snapshot, Volume, VolumeType
from tests.support.paging import counting_rows, walk
from tests.support.personas import project_of, token_for

# Every route that declares both ``limit`` and ``marker`` (each answers with and without the
# project in the path).
PAGED = {
    (method, path)
    for suffix in ("volumes", "volumes/detail", "snapshots", "snapshots/detail", "attachments",
                   "attachments/detail", "types", "messages")
    for method, path in (("GET", f"/v3/{suffix}"), ("GET", f"/v3/{{project_id}}/{suffix}"))
}
ROWS = 2000
LIMIT = 100
# The attachments API needs 3.27.
HEADERS = {"OpenStack-API-Version": "volume 3.27"}
BASE = dt.datetime(2024, 1, 1)


def _when(i: int) -> dt.datetime:
    # Seven rows share each second, so the order also rests on the id that breaks ties.
    return BASE + dt.timedelta(seconds=i // 7)


def _volume(project: str, i: int, **extra: Any) -> Volume:
    return Volume(id=f"v{i:05d}-{(i * 7919) % 10007:05d}", project_id=project, name=f"vol{i}",
                  size=1, status="available", attach_status="detached", created_at=_when(i),
                  **extra)


def _volumes(s: Any, project: str) -> list[str]:
    rows = [_volume(project, i) for i in range(ROWS)]
    s.add_all(rows)
    # Newest first, then by id, both descending (Cinder's default).
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


def _snapshots(s: Any, project: str) -> list[str]:
    volume = _volume(project, ROWS + 1)
    s.add(volume)
    s.flush()
    rows = [Snapshot(id=f"s{i:05d}-{(i * 7919) % 10007:05d}", volume_id=volume.id,
                     project_id=project, size=1, status="available", created_at=_when(i))
            for i in range(ROWS)]
    s.add_all(rows)
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


def _attachments(s: Any, project: str) -> list[str]:
    volume = _volume(project, ROWS + 1, multiattach=True)
    s.add(volume)
    s.flush()
    rows = [Attachment(id=f"a{i:05d}-{(i * 7919) % 10007:05d}", volume_id=volume.id,
                       project_id=project, instance_uuid=f"server-{i}", attach_status="attached",
                       created_at=_when(i)) for i in range(ROWS)]
    s.add_all(rows)
    # Newest first, ties by id ascending.
    by_id = sorted(rows, key=lambda r: r.id)
    return [r.id for r in sorted(by_id, key=lambda r: r.created_at, reverse=True)]


def _types(s: Any, project: str) -> list[str]:
    default = s.query(VolumeType).one()
    rows = [VolumeType(id=f"t{i:05d}", name=f"type-{(i * 7919) % 10007:05d}", is_public=True,
                       created_at=_when(i)) for i in range(ROWS)]
    s.add_all(rows)
    # Oldest first, then by name (the bootstrapped default type among them).
    return [r.id for r in sorted([default, *rows], key=lambda r: (r.created_at, r.name))]


def _messages(s: Any, project: str) -> list[str]:
    rows = [Message(id=f"m{i:05d}-{(i * 7919) % 10007:05d}", project_id=project,
                    resource_type="VOLUME", resource_uuid=f"v{i:05d}",
                    event_id="VOLUME_VOLUME_008_101", action_id="008", detail_id="101",
                    message_level="ERROR", created_at=_when(i)) for i in range(ROWS)]
    s.add_all(rows)
    # Newest first, then by id, both descending.
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


SETUP: dict[str, Callable[[Any, str], list[str]]] = {
    "volumes": _volumes, "snapshots": _snapshots, "attachments": _attachments, "types": _types,
    "messages": _messages,
}
COLLECTION = {"volumes": "volumes", "snapshots": "snapshots", "attachments": "attachments",
              "types": "volume_types", "messages": "messages"}


def _by_marker(path: str, collection: str) -> Callable[[dict[str, Any], str], str | None]:
    """Cinder writes no next link for attachments and types: page on with the last id."""
    def next_of(body: dict[str, Any], key: str) -> str | None:
        items = body[collection]
        return f"{path}?limit={LIMIT}&marker={items[-1]['id']}" if len(items) == LIMIT else None

    return next_of


@pytest.mark.parametrize(("method", "path"), sorted(PAGED))
def test_list_pages_in_sql(make_cloud: Callable[..., Any], method: str, path: str) -> None:
    cloud, api = make_cloud(["volume"], prefix="/volume", bootstrap=True)
    project = project_of("member")
    resource = path.rsplit("/", 2)[-2 if path.endswith("/detail") else -1]
    with cloud.db.writer() as s:
        expected = SETUP[resource](s, project)
    full = "/volume" + path.replace("{project_id}", project)
    collection = COLLECTION[resource]
    headers = {"X-Auth-Token": token_for("member"), **HEADERS}

    def get(url: str) -> Any:
        return api.client.get(url, headers=headers)

    next_of = _by_marker(full, collection) if resource in ("attachments", "types") else None
    with counting_rows(cloud.db.engine) as counter:
        items = walk(get, f"{full}?limit={LIMIT}", collection, next_of=next_of)
    assert [item["id"] for item in items] == expected
    assert counter.largest <= LIMIT + 1, counter.worst()


def test_next_link_only_on_a_full_page(make_cloud: Callable[..., Any]) -> None:
    cloud, api = make_cloud(["volume"], prefix="/volume")
    project = project_of("member")
    with cloud.db.writer() as s:
        s.add_all([_volume(project, i) for i in range(5)])
    member = api.as_("member")
    body = member.get("/v3/volumes", params={"limit": 5}).json()
    assert body["volumes_links"][0]["rel"] == "next"
    assert "volumes_links" not in member.get("/v3/volumes", params={"limit": 6}).json()


@pytest.mark.parametrize("sort", ["name:asc", "size:desc,name:asc", "bootable"])
def test_sorted_pages_follow_the_sort(make_cloud: Callable[..., Any], sort: str) -> None:
    cloud, api = make_cloud(["volume"], prefix="/volume")
    project = project_of("member")
    with cloud.db.writer() as s:
        s.add_all([_volume(project, i, bootable=i % 3 == 0) for i in range(30)])
    member = api.as_("member")
    whole = member.get("/v3/volumes/detail", params={"sort": sort}).json()["volumes"]
    paged = walk(lambda url: api.client.get(url, headers={"X-Auth-Token": token_for("member")}),
                 f"/volume/v3/volumes/detail?limit=4&sort={sort}", "volumes")
    assert [v["id"] for v in paged] == [v["id"] for v in whole]
    assert len(whole) == 30
