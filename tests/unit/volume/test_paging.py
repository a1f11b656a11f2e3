"""Every paged block-storage list pages in SQL: 2,000 rows, walked 100 at a time, each query
returning at most a page and one more row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.volume.db.models import (
    Attachment,
    Backup,
    Group,
    GroupSnapshot,
    GroupType,
    Message,
    QosSpecs,
    Snapshot,
    Transfer,
    Volume,
    VolumeType,
)
from tests.support.paging import counting_rows, default_next, walk
from tests.support.personas import project_of, token_for

# Every route that declares both ``limit`` and ``marker`` (each answers with and without the
# project in the path).
PAGED = {
    (method, path)
    for suffix in ("volumes", "volumes/detail", "snapshots", "snapshots/detail", "attachments",
                   "attachments/detail", "types", "messages", "qos-specs",
                   "os-volume-transfer", "os-volume-transfer/detail", "volume-transfers",
                   "volume-transfers/detail", "backups", "backups/detail", "group_types",
                   "groups", "groups/detail", "group_snapshots", "group_snapshots/detail")
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


def _qos_specs(s: Any, project: str) -> list[str]:
    rows = [QosSpecs(id=f"q{i:05d}-{(i * 7919) % 10007:05d}", name=f"qos{i}",
                     consumer="front-end", specs={"read_iops_sec": "100"}, created_at=_when(i))
            for i in range(ROWS)]
    s.add_all(rows)
    # Newest first, then by id, both descending.
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


def _transfers(s: Any, project: str) -> list[str]:
    volumes = [_volume(project, i) for i in range(ROWS)]
    for volume in volumes:
        volume.status = "awaiting-transfer"
    s.add_all(volumes)
    s.flush()
    rows = [Transfer(id=f"x{i:05d}-{(i * 7919) % 10007:05d}", volume_id=volumes[i].id,
                     source_project_id=project, salt="s", crypt_hash="h", created_at=_when(i))
            for i in range(ROWS)]
    s.add_all(rows)
    # Oldest first, then by id (the order before 3.59's paging).
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id))]


def _backups(s: Any, project: str) -> list[str]:
    rows = [Backup(id=f"b{i:05d}-{(i * 7919) % 10007:05d}", project_id=project,
                   volume_id="v-gone", name=f"backup{i}", status="available", size=1,
                   created_at=_when(i)) for i in range(ROWS)]
    # Every other one an incremental backup of the one before: each page says which have
    # dependants in one more query.
    for i in range(1, ROWS, 2):
        rows[i].parent_id = rows[i - 1].id
    s.add_all(rows)
    # Newest first, then by id, both descending.
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


def _group_types(s: Any, project: str) -> list[str]:
    rows = [GroupType(id=f"g{i:05d}", name=f"gtype-{(i * 7919) % 10007:05d}", is_public=True,
                      created_at=_when(i)) for i in range(ROWS)]
    s.add_all(rows)
    # Oldest first, then by name.
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.name))]


def _group_rows(s: Any, project: str) -> list[Group]:
    gtype = GroupType(id="gt", name="gt")
    s.add(gtype)
    s.flush()
    rows = [Group(id=f"g{i:05d}-{(i * 7919) % 10007:05d}", project_id=project, name=f"g{i}",
                  status="available", group_type_id=gtype.id, created_at=_when(i))
            for i in range(ROWS)]
    s.add_all(rows)
    return rows


def _groups(s: Any, project: str) -> list[str]:
    rows = _group_rows(s, project)
    # Newest first, then by id, both descending.
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


def _group_snapshots(s: Any, project: str) -> list[str]:
    group = _group_rows(s, project)[0]
    s.flush()
    rows = [GroupSnapshot(id=f"s{i:05d}-{(i * 7919) % 10007:05d}", group_id=group.id,
                          project_id=project, name=f"gs{i}", status="available",
                          group_type_id=group.group_type_id, created_at=_when(i))
            for i in range(ROWS)]
    s.add_all(rows)
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


SETUP: dict[str, Callable[[Any, str], list[str]]] = {
    "volumes": _volumes, "snapshots": _snapshots, "attachments": _attachments, "types": _types,
    "messages": _messages, "qos-specs": _qos_specs, "os-volume-transfer": _transfers,
    "volume-transfers": _transfers, "backups": _backups, "group_types": _group_types,
    "groups": _groups, "group_snapshots": _group_snapshots,
}
ADMIN_ONLY = {"qos-specs"}
COLLECTION = {"volumes": "volumes", "snapshots": "snapshots", "attachments": "attachments",
              "types": "volume_types", "messages": "messages", "qos-specs": "qos_specs",
              "os-volume-transfer": "transfers", "volume-transfers": "transfers",
              "backups": "backups", "group_types": "group_types", "groups": "groups",
              "group_snapshots": "group_snapshots"}
# Cinder names these lists' next links in the singular.
LINKS = {"groups": "group_links", "group_snapshots": "group_snapshot_links"}


def _by_marker(path: str, collection: str) -> Callable[[dict[str, Any], str], str | None]:
    """Cinder writes no next link for attachments and types: page on with the last id."""
    def next_of(body: dict[str, Any], key: str) -> str | None:
        items = body[collection]
        return f"{path}?limit={LIMIT}&marker={items[-1]['id']}" if len(items) == LIMIT else None

    return next_of


def _by_link(key: str) -> Callable[[dict[str, Any], str], str | None]:
    def next_of(body: dict[str, Any], collection: str) -> str | None:
        return default_next({collection: body[collection],
                             f"{collection}_links": body.get(key, [])}, collection)

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
    # QoS specs are the admins' only.
    persona = "admin" if resource in ADMIN_ONLY else "member"
    headers = {"X-Auth-Token": token_for(persona), **HEADERS}

    def get(url: str) -> Any:
        return api.client.get(url, headers=headers)

    next_of = (_by_marker(full, collection) if resource in ("attachments", "types",
                                                             "group_types") else None)
    if resource in LINKS:
        next_of = _by_link(LINKS[resource])
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
