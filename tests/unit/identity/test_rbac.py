"""Secure-RBAC personas on the core identity API, and an operator's policy.yaml override.

Personas: cloud admin (project admin), system reader, domain admin and domain reader of one
domain, a project member and reader, and a member of another project.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nimbus.conf.settings import load
from nimbus.core.api.app import build_app
from nimbus.core.cloud import Cloud
from tests.unit.identity.conftest import Keystone

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

COVERS = [
    ("identity", "secure RBAC: system reader, domain admin/reader, project users"),
    ("identity", "policy.yaml override"),
]


def _token(ks: Keystone, name: str, domain: str, scope: dict[str, Any]) -> str:
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": name, "domain": {"name": domain}, "password": f"pw-{name}"}}}, "scope": scope}}
    resp = ks.client.post("/identity/v3/auth/tokens", json=body)
    assert resp.status_code == 201, resp.text
    return str(resp.headers["X-Subject-Token"])


@pytest.fixture
def world(keystone: Keystone) -> dict[str, Any]:
    admin = keystone.admin()

    def post(path: str, kind: str, **attrs: Any) -> dict[str, Any]:
        resp = keystone.call("POST", path, admin, json={kind: attrs})
        assert resp.status_code == 201, resp.text
        return resp.json()[kind]  # type: ignore[no-any-return]

    def grant(path: str) -> None:
        assert keystone.call("PUT", path, admin).status_code == 204

    roles = {r["name"]: r["id"] for r in keystone.call("GET", "/roles", admin).json()["roles"]}
    dom = post("/domains", "domain", name="acme")
    other_dom = post("/domains", "domain", name="globex")
    p1 = post("/projects", "project", name="p1", domain_id=dom["id"])
    p2 = post("/projects", "project", name="p2", domain_id=other_dom["id"])
    users = {}
    for name, domain in (("sysreader", "default"), ("dadmin", dom["id"]),
                         ("dreader", dom["id"]), ("mem", dom["id"]), ("rdr", dom["id"]),
                         ("oth", other_dom["id"])):
        users[name] = post("/users", "user", name=name, domain_id=domain,
                           password=f"pw-{name}")["id"]
    grant(f"/system/users/{users['sysreader']}/roles/{roles['reader']}")
    grant(f"/domains/{dom['id']}/users/{users['dadmin']}/roles/{roles['admin']}")
    grant(f"/domains/{dom['id']}/users/{users['dreader']}/roles/{roles['reader']}")
    grant(f"/projects/{p1['id']}/users/{users['mem']}/roles/{roles['member']}")
    grant(f"/projects/{p1['id']}/users/{users['rdr']}/roles/{roles['reader']}")
    grant(f"/projects/{p2['id']}/users/{users['oth']}/roles/{roles['member']}")
    tokens = {
        "admin": admin,
        "sysreader": _token(keystone, "sysreader", "Default", {"system": {"all": True}}),
        "dadmin": _token(keystone, "dadmin", "acme", {"domain": {"id": dom["id"]}}),
        "dreader": _token(keystone, "dreader", "acme", {"domain": {"id": dom["id"]}}),
        "mem": _token(keystone, "mem", "acme", {"project": {"id": p1["id"]}}),
        "rdr": _token(keystone, "rdr", "acme", {"project": {"id": p1["id"]}}),
        "oth": _token(keystone, "oth", "globex", {"project": {"id": p2["id"]}}),
    }
    return {"tokens": tokens, "users": users, "roles": roles, "dom": dom["id"],
            "other_dom": other_dom["id"], "p1": p1["id"], "p2": p2["id"]}


def _status(ks: Keystone, world: dict[str, Any], who: str, method: str, path: str,
            **kw: Any) -> int:
    return int(ks.call(method, path.format(**world, **world["users"]), world["tokens"][who],
                       **kw).status_code)


READS = [
    # (path, personas allowed)
    ("/users", {"admin", "sysreader", "dadmin", "dreader"}),
    ("/users/{mem}", {"admin", "sysreader", "dadmin", "dreader", "mem"}),
    ("/users/{oth}", {"admin", "sysreader", "oth"}),
    ("/projects", {"admin", "sysreader", "dadmin", "dreader"}),
    ("/projects/{p1}", {"admin", "sysreader", "dadmin", "dreader", "mem", "rdr"}),
    ("/projects/{p2}", {"admin", "sysreader", "oth"}),
    ("/domains", {"admin", "sysreader"}),
    ("/domains/{dom}", {"admin", "sysreader", "dadmin", "dreader", "mem", "rdr"}),
    ("/roles", {"admin", "sysreader", "dadmin", "dreader"}),
    ("/role_assignments", {"admin", "sysreader", "dadmin", "dreader"}),
    ("/services", {"admin", "sysreader"}),
    ("/endpoints", {"admin", "sysreader"}),
    ("/regions", {"admin", "sysreader", "dadmin", "dreader", "mem", "rdr", "oth"}),
    ("/policies", {"admin", "sysreader"}),
    ("/OS-EP-FILTER/endpoint_groups", {"admin", "sysreader"}),
]
PERSONAS = ["admin", "sysreader", "dadmin", "dreader", "mem", "rdr", "oth"]


@pytest.mark.parametrize("path,allowed", READS)
def test_reads(keystone: Keystone, world: dict[str, Any], path: str, allowed: set[str]) -> None:
    for who in PERSONAS:
        status = _status(keystone, world, who, "GET", path)
        assert status == (200 if who in allowed else 403), (who, path, status)


def test_domain_readers_see_their_domain_only(keystone: Keystone, world: dict[str, Any]) -> None:
    t = world["tokens"]
    users = keystone.call("GET", "/users", t["dreader"]).json()["users"]
    assert {u["domain_id"] for u in users} == {world["dom"]}
    projects = keystone.call("GET", "/projects", t["dadmin"]).json()["projects"]
    assert [p["id"] for p in projects] == [world["p1"]]
    assert keystone.call("GET", f"/projects?domain_id={world['other_dom']}",
                         t["dadmin"]).status_code == 403
    seen = keystone.call("GET", "/role_assignments", t["dreader"]).json()["role_assignments"]
    scopes = {next(iter(a["scope"].values()))["id"] for a in seen}
    assert scopes <= {world["dom"], world["p1"]} and world["p1"] in scopes


def test_domain_admin_manages_its_domain(keystone: Keystone, world: dict[str, Any]) -> None:
    t, r = world["tokens"], world["roles"]
    assert _status(keystone, world, "dadmin", "POST", "/projects",
                   json={"project": {"name": "mine"}}) == 201
    assert _status(keystone, world, "dadmin", "POST", "/projects",
                   json={"project": {"name": "theirs", "domain_id": world["other_dom"]}}) == 403
    resp = keystone.call("POST", "/users", t["dadmin"],
                         json={"user": {"name": "newbie", "password": "pw-newbie"}})
    assert resp.status_code == 201 and resp.json()["user"]["domain_id"] == world["dom"]
    newbie = resp.json()["user"]["id"]
    assert _status(keystone, world, "dadmin", "PATCH", "/users/{oth}",
                   json={"user": {"enabled": False}}) == 403
    assert _status(keystone, world, "dadmin", "PUT",
                   f"/projects/{{p1}}/users/{newbie}/roles/{r['member']}") == 204
    # Never the admin role, nor on another domain's project or user.
    assert _status(keystone, world, "dadmin", "PUT",
                   f"/projects/{{p1}}/users/{newbie}/roles/{r['admin']}") == 403
    assert _status(keystone, world, "dadmin", "PUT",
                   f"/projects/{{p2}}/users/{newbie}/roles/{r['member']}") == 403
    assert _status(keystone, world, "dadmin", "PUT",
                   f"/projects/{{p1}}/users/{{oth}}/roles/{r['member']}") == 403
    assert _status(keystone, world, "dadmin", "POST", "/domains",
                   json={"domain": {"name": "mine-too"}}) == 403
    assert _status(keystone, world, "dadmin", "POST", "/roles",
                   json={"role": {"name": "newrole"}}) == 403


@pytest.mark.parametrize("who", ["sysreader", "dreader", "mem", "rdr", "oth"])
def test_readers_and_members_cannot_write(keystone: Keystone, world: dict[str, Any],
                                          who: str) -> None:
    r = world["roles"]
    assert _status(keystone, world, who, "POST", "/projects",
                   json={"project": {"name": f"x-{who}"}}) == 403
    assert _status(keystone, world, who, "PATCH", "/users/{mem}",
                   json={"user": {"email": "x@y"}}) == 403
    assert _status(keystone, world, who, "PUT",
                   f"/projects/{{p1}}/users/{{mem}}/roles/{r['reader']}") == 403
    assert _status(keystone, world, who, "DELETE", "/projects/{p2}") == 403


def test_other_project_user_cannot_probe(keystone: Keystone, world: dict[str, Any]) -> None:
    assert _status(keystone, world, "oth", "GET", "/projects/{p1}") == 403
    assert _status(keystone, world, "oth", "GET", "/users/{mem}/projects") == 403
    assert _status(keystone, world, "mem", "GET", "/users/{mem}/projects") == 200
    assert _status(keystone, world, "oth", "GET", "/users/nonexistent") == 403
    assert _status(keystone, world, "admin", "GET", "/users/nonexistent") == 404


@pytest.fixture
def overridden(tmp_path: Path) -> Iterator[Keystone]:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "identity.yaml").write_text(
        '"identity:list_projects": "role:member"\n"identity:create_region": "!"\n')
    settings = load({"state_dir": str(tmp_path), "admin_password": "secret", "kdf_cost": 10})
    cloud = Cloud(settings, services=["identity"])
    cloud.migrate()
    cloud.start()
    cloud.bootstrap()
    yield Keystone(TestClient(build_app(cloud), raise_server_exceptions=False), cloud)
    cloud.stop()


def test_policy_yaml_overrides_defaults(overridden: Keystone) -> None:
    ks = overridden
    admin = ks.admin()
    resp = ks.call("POST", "/users", admin,
                   json={"user": {"name": "m", "password": "pw-m", "default_project_id": None}})
    user_id = resp.json()["user"]["id"]
    roles = {r["name"]: r["id"] for r in ks.call("GET", "/roles", admin).json()["roles"]}
    demo = ks.call("GET", "/projects?name=demo", admin).json()["projects"][0]["id"]
    assert ks.call("PUT", f"/projects/{demo}/users/{user_id}/roles/{roles['member']}",
                   admin).status_code == 204
    member = ks.token("m", "pw-m", "demo")
    assert ks.call("GET", "/projects", member).status_code == 200
    assert ks.call("POST", "/regions", admin,
                   json={"region": {"id": "r2"}}).status_code == 403
