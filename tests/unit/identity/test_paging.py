"""Keystone's paged lists page in SQL: 2,000 rows, walked 100 at a time, each query returning at
most a page and one more row; and the lists keep Keystone's paging rules (id order, a next link
and ``truncated`` on a full page, an unknown marker is a 404, ``max_db_limit`` caps a page)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from nimbus.identity.db.models import Group, Project, User
from tests.support.paging import counting_rows, walk
from tests.unit.identity.conftest import Keystone

# Every route that declares both ``limit`` and ``marker``.
PAGED = {
    ("GET", "/v3/users"),
    ("GET", "/v3/groups"),
    ("GET", "/v3/projects"),
    ("GET", "/v3/domains"),
}
ROWS = 2000
LIMIT = 100


def _domain(s: Any, name: str) -> str:
    domain = Project(id=uuid.uuid4().hex, name=name, domain_id="<<keystone.domain.root>>",
                     parent_id=None, is_domain=True, description="", enabled=True, tags=[],
                     options={}, extra={})
    s.add(domain)
    s.flush()
    return domain.id


def _names(i: int) -> str:
    # Names sort in another order than ids, so an order by name would show.
    return f"n{(i * 7919) % 10007:05d}"


def _users(s: Any) -> tuple[str, list[str]]:
    domain_id = _domain(s, "paged-users")
    rows = [User(id=uuid.uuid4().hex, name=_names(i), domain_id=domain_id, enabled=True,
                 options={}, extra={}) for i in range(ROWS)]
    s.add_all(rows)
    return f"/users?domain_id={domain_id}", sorted(r.id for r in rows)


def _groups(s: Any) -> tuple[str, list[str]]:
    domain_id = _domain(s, "paged-groups")
    rows = [Group(id=uuid.uuid4().hex, name=_names(i), domain_id=domain_id, description="")
            for i in range(ROWS)]
    s.add_all(rows)
    return f"/groups?domain_id={domain_id}", sorted(r.id for r in rows)


def _projects(s: Any) -> tuple[str, list[str]]:
    domain_id = _domain(s, "paged-projects")
    rows = [Project(id=uuid.uuid4().hex, name=_names(i), domain_id=domain_id,
                    parent_id=domain_id, is_domain=False, description="", enabled=True,
                    tags=[], options={}, extra={}) for i in range(ROWS)]
    s.add_all(rows)
    return f"/projects?domain_id={domain_id}", sorted(r.id for r in rows)


def _domains(s: Any) -> tuple[str, list[str]]:
    for i in range(ROWS):
        _domain(s, f"paged-{_names(i)}-{i}")
    ids = [d.id for d in s.query(Project).filter_by(is_domain=True)]
    return "/domains?", sorted(ids)


LISTS: dict[str, tuple[Callable[[Any], tuple[str, list[str]]], str]] = {
    "users": (_users, "users"),
    "groups": (_groups, "groups"),
    "projects": (_projects, "projects"),
    "domains": (_domains, "domains"),
}


def _get(keystone: Keystone, token: str) -> Callable[[str], Any]:
    return lambda path: keystone.client.get(path, headers={"X-Auth-Token": token})


@pytest.mark.parametrize("name", sorted(LISTS))
def test_list_pages_in_sql(keystone: Keystone, name: str) -> None:
    token = keystone.admin()
    make, collection = LISTS[name]
    with keystone.cloud.db.writer() as s:
        path, expected = make(s)
    first = f"/identity/v3{path}{'' if path.endswith('?') else '&'}limit={LIMIT}"
    get = _get(keystone, token)
    get(first)  # the token's own validation is cached before counting
    with counting_rows(keystone.cloud.db.engine) as counter:
        items = walk(get, first, collection)
    assert [item["id"] for item in items] == expected
    assert counter.largest <= LIMIT + 1, counter.worst()


def test_paging_marks_and_limits(keystone: Keystone) -> None:
    token = keystone.admin()
    with keystone.cloud.db.writer() as s:
        path, expected = _users(s)
    get = _get(keystone, token)
    body = get(f"/identity/v3{path}&limit=3").json()
    assert [u["id"] for u in body["users"]] == expected[:3]
    assert body["truncated"] is True
    assert "marker=" + expected[2] in body["links"]["next"]
    assert "limit=3" in body["links"]["next"]
    # A page that is not full ends the walk: no next link, not truncated.
    body = get(f"/identity/v3{path}&limit=3&marker={expected[-2]}").json()
    assert [u["id"] for u in body["users"]] == expected[-1:]
    assert body["links"]["next"] is None and "truncated" not in body
    # Without limit or marker the list is whole, by name, as before.
    body = get(f"/identity/v3{path}").json()
    assert len(body["users"]) == ROWS and "truncated" not in body
    assert [u["name"] for u in body["users"]] == sorted(u["name"] for u in body["users"])
    # An unknown marker is Keystone's MarkerNotFound.
    resp = get(f"/identity/v3{path}&marker=nosuchid")
    assert resp.status_code == 404
    assert resp.json()["error"]["message"] == "Marker nosuchid could not be found."
    # max_db_limit caps the page, and the next link says so.
    keystone.cloud.runtimes["identity"].state.max_db_limit = 50
    body = get(f"/identity/v3{path}&limit=500").json()
    assert len(body["users"]) == 50 and "limit=50" in body["links"]["next"]
    # A marker alone pages up to max_db_limit, with no next link (Keystone's rule).
    body = get(f"/identity/v3{path}&marker={expected[0]}").json()
    assert [u["id"] for u in body["users"]] == expected[1:51]
    assert body["links"]["next"] is None


def test_bad_paging_parameters_are_400(keystone: Keystone) -> None:
    get = _get(keystone, keystone.admin())
    for query in ("limit=abc", "limit=-1"):
        resp = get(f"/identity/v3/projects?{query}")
        assert resp.status_code == 400, resp.text
        assert "limit" in resp.json()["error"]["message"]
