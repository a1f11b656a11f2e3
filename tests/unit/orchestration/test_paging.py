"""Every paged orchestration list pages in SQL: 2,000 stacks (or events), walked 100 at a
time, each query returning at most a page and one more row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.orchestration.db.models import Event, Stack
from tests.support.paging import counting_rows, default_next, walk
from tests.support.personas import project_of, token_for

PAGED = {("GET", "/v1/{tenant_id}/stacks"), ("GET", "/v1/{tenant_id}/stacks/detail"),
         ("GET", "/v1/{tenant_id}/stacks/{stack_name}/{stack_id}/events"),
         ("GET", "/v1/{tenant_id}/stacks/{stack_name}/{stack_id}/resources/{resource_name}"
                 "/events")}
ROWS = 2000
LIMIT = 100
BASE = dt.datetime(2024, 1, 1)


def _when(i: int) -> dt.datetime:
    # Seven rows share each second, so the order also rests on the id that breaks ties.
    return BASE + dt.timedelta(seconds=i // 7)


def _stack(project: str, i: int, **extra: Any) -> Stack:
    return Stack(id=f"s{i:05d}-{(i * 7919) % 10007:05d}", name=f"stack{i}", project_id=project,
                 user_id="u", action="CREATE", status="COMPLETE", status_reason="",
                 template={"heat_template_version": "2016-10-14"}, files={}, environment={},
                 params={}, outputs={}, disable_rollback=True, created_at=_when(i), **extra)


def _stacks(s: Any, project: str) -> list[str]:
    rows = [_stack(project, i, tags=["even"] if i % 2 == 0 else []) for i in range(ROWS)]
    # Hidden ones are not listed.
    rows.append(_stack(project, ROWS + 1, tags=["data-processing-cluster"]))
    s.add_all(rows)
    listed = [r for r in rows if r.id != rows[-1].id]
    # Newest first, then by id, both descending (Heat's default).
    return [r.id for r in sorted(listed, key=lambda r: (r.created_at, r.id), reverse=True)]


def _events(s: Any, project: str) -> list[str]:
    stack = _stack(project, 0)
    s.add(stack)
    s.flush()
    rows = [Event(id=f"e{i:05d}-{(i * 7919) % 10007:05d}", stack_id=stack.id,
                  resource_name="r", resource_type="OS::Heat::None", physical_id="",
                  action="CREATE", status="COMPLETE", reason="state changed", properties={},
                  created_at=_when(i)) for i in range(ROWS)]
    s.add_all(rows)
    return [r.id for r in rows]


def _by_marker(first: str) -> Callable[[dict[str, Any], str], str | None]:
    def next_of(body: dict[str, Any], collection: str) -> str | None:
        items = body[collection]
        return f"{first}?limit={LIMIT}&marker={items[-1]['id']}" if len(items) == LIMIT \
            else None

    return next_of


def _by_links(body: dict[str, Any], collection: str) -> str | None:
    return default_next({collection: body[collection],
                         f"{collection}_links": body.get("links", [])}, collection)


@pytest.mark.parametrize(("method", "path"), sorted(PAGED))
def test_list_pages_in_sql(make_cloud: Callable[..., Any], method: str, path: str) -> None:
    cloud, api = make_cloud(["orchestration"], prefix="/orchestration")
    project = project_of("member")
    events = path.endswith("/events")
    with cloud.db.writer() as s:
        expected = (_events if events else _stacks)(s, project)
    full = ("/orchestration" + path.replace("{tenant_id}", project)
            .replace("{stack_name}", "stack0").replace("{stack_id}", "s00000-00000")
            .replace("{resource_name}", "r"))
    headers = {"X-Auth-Token": token_for("member")}
    collection = "events" if events else "stacks"
    with counting_rows(cloud.db.engine) as counter:
        items = walk(lambda url: api.client.get(url, headers=headers), f"{full}?limit={LIMIT}",
                     collection, next_of=_by_marker(full) if events else _by_links)
    assert [item["id"] for item in items] == expected
    assert counter.largest <= LIMIT + 1, counter.worst()


def test_tag_filters_are_applied_before_paging(make_cloud: Callable[..., Any]) -> None:
    cloud, api = make_cloud(["orchestration"], prefix="/orchestration")
    project = project_of("member")
    with cloud.db.writer() as s:
        s.add_all([_stack(project, i, tags=["a", "b"] if i % 3 == 0 else ["a"])
                   for i in range(30)])
    member = api.as_("member")
    both = member.get(f"/v1/{project}/stacks", params={"tags": "a,b", "limit": 4})
    assert both.status_code == 200 and len(both.json()["stacks"]) == 4
    assert all(st["tags"] == ["a", "b"] for st in both.json()["stacks"])
    rest = member.get(f"/v1/{project}/stacks", params={"not_tags_any": "b"}).json()["stacks"]
    assert len(rest) == 20 and all(st["tags"] == ["a"] for st in rest)
    assert member.get(f"/v1/{project}/stacks", params={"marker": "nope"}).status_code == 404
