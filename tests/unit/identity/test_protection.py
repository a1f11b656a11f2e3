"""Who may do what: admin, a project member, a reader, and a user of another project."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.identity.conftest import Keystone

COVERS = [
    ('identity', 'users: create/list/show (per persona)'),
    ('identity', 'projects: create/show (per persona)'),
    ('identity', 'application credentials'),
    ('identity', 'role grants on projects'),
]

@pytest.fixture
def people(keystone: Keystone) -> dict[str, Any]:
    admin = keystone.admin()

    def mk(kind: str, name: str) -> str:
        resp = keystone.call("POST", f"/{kind}s", admin, json={kind: {"name": name}})
        assert resp.status_code == 201, resp.text
        return str(resp.json()[kind]["id"])

    roles = {r["name"]: r["id"] for r in keystone.call("GET", "/roles", admin).json()["roles"]}
    p1, p2 = mk("project", "p1"), mk("project", "p2")
    ids = {}
    for user, project, role in (("mem", p1, "member"), ("rdr", p1, "reader"),
                                ("oth", p2, "member")):
        resp = keystone.call("POST", "/users", admin,
                             json={"user": {"name": user, "password": "pw-" + user}})
        ids[user] = resp.json()["user"]["id"]
        assert keystone.call("PUT", f"/projects/{project}/users/{ids[user]}/roles/{roles[role]}",
                             admin).status_code == 204
    tokens = {"admin": admin}
    for user, project in (("mem", "p1"), ("rdr", "p1"), ("oth", "p2")):
        tokens[user] = keystone.token(user, "pw-" + user, project)
    return {"tokens": tokens, "ids": ids, "p1": p1, "p2": p2}


@pytest.mark.parametrize("persona,status", [("admin", 200), ("mem", 403), ("rdr", 403),
                                            ("oth", 403)])
def test_list_users(keystone: Keystone, people: dict[str, Any], persona: str, status: int) -> None:
    assert keystone.call("GET", "/users", people["tokens"][persona]).status_code == status


@pytest.mark.parametrize("persona,status", [("admin", 201), ("mem", 403), ("rdr", 403),
                                            ("oth", 403)])
def test_create_project(keystone: Keystone, people: dict[str, Any], persona: str,
                        status: int) -> None:
    resp = keystone.call("POST", "/projects", people["tokens"][persona],
                         json={"project": {"name": f"new-{persona}"}})
    assert resp.status_code == status


def test_users_see_themselves_and_their_project_only(keystone: Keystone,
                                                     people: dict[str, Any]) -> None:
    t, ids = people["tokens"], people["ids"]
    assert keystone.call("GET", f"/users/{ids['mem']}", t["mem"]).status_code == 200
    assert keystone.call("GET", f"/users/{ids['oth']}", t["mem"]).status_code == 403
    assert keystone.call("GET", f"/projects/{people['p1']}", t["mem"]).status_code == 200
    assert keystone.call("GET", f"/projects/{people['p1']}", t["oth"]).status_code == 403
    projects = keystone.call("GET", "/auth/projects", t["oth"]).json()["projects"]
    assert [p["name"] for p in projects] == ["p2"]


def test_app_credentials_are_per_user(keystone: Keystone, people: dict[str, Any]) -> None:
    t, ids = people["tokens"], people["ids"]
    resp = keystone.call("POST", f"/users/{ids['mem']}/application_credentials", t["mem"],
                         json={"application_credential": {"name": "ci"}})
    assert resp.status_code == 201
    cred = resp.json()["application_credential"]
    assert cred["secret"] and [r["name"] for r in cred["roles"]]
    assert keystone.call("GET", f"/users/{ids['mem']}/application_credentials/{cred['id']}",
                         t["oth"]).status_code == 403
    body = {"auth": {"identity": {"methods": ["application_credential"],
                                  "application_credential": {"id": cred["id"],
                                                             "secret": cred["secret"]}}}}
    resp = keystone.client.post("/identity/v3/auth/tokens", json=body)
    assert resp.status_code == 201
    assert resp.json()["token"]["project"]["id"] == people["p1"]
    resp = keystone.call("POST", f"/users/{ids['oth']}/application_credentials", t["mem"],
                         json={"application_credential": {"name": "steal"}})
    assert resp.status_code == 403


def test_bad_input_names_the_field(keystone: Keystone) -> None:
    admin = keystone.admin()
    resp = keystone.call("POST", "/users", admin, json={"user": {"name": 5}})
    assert resp.status_code == 400 and "name" in resp.json()["error"]["message"]
    resp = keystone.call("POST", "/projects", admin, json={"project": {}})
    assert resp.status_code == 400 and "name" in resp.json()["error"]["message"]
    resp = keystone.call("GET", "/users/nope", admin)
    assert resp.status_code == 404 and "nope" in resp.json()["error"]["message"]
    resp = keystone.call("POST", "/users", admin, json={"user": {"name": "admin"}})
    assert resp.status_code == 409
