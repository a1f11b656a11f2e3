"""The core Keystone v3 admin API: roles, grants, role assignments, projects, tags, catalog."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.identity.conftest import Keystone

COVERS = [
    ("identity", "roles: global and domain-specific, implied roles"),
    ("identity", "grants: users/groups on projects, domains, system; OS-INHERIT"),
    ("identity", "role_assignments: effective, include_names, include_subtree"),
    ("identity", "projects: hierarchy, is_domain, tags"),
    ("identity", "domains: disable and cascade delete"),
    ("identity", "policies (/v3/policies)"),
    ("identity", "OS-EP-FILTER endpoint groups"),
]


class Api:
    def __init__(self, keystone: Keystone) -> None:
        self.ks = keystone
        self.token = keystone.admin()

    def __call__(self, method: str, path: str, status: int | None = None, **kw: Any) -> Any:
        resp = self.ks.call(method, path, self.token, **kw)
        if status is not None:
            assert resp.status_code == status, (method, path, resp.status_code, resp.text)
        return resp.json() if resp.content else None

    def make(self, kind: str, **attrs: Any) -> dict[str, Any]:
        path = {"policy": "/policies"}.get(kind, f"/{kind}s")
        return self("POST", path, 201, json={kind: attrs})[kind]  # type: ignore[no-any-return]


@pytest.fixture
def api(keystone: Keystone) -> Api:
    return Api(keystone)


def test_domain_roles(api: Api) -> None:
    d1, d2 = api.make("domain", name="d1"), api.make("domain", name="d2")
    glob = api.make("role", name="glob")
    r1 = api.make("role", name="dr", domain_id=d1["id"])
    r2 = api.make("role", name="dr2", domain_id=d1["id"])
    r3 = api.make("role", name="dr", domain_id=d2["id"])  # same name, other domain: fine
    assert [r["id"] for r in api("GET", f"/roles?domain_id={d1['id']}", 200)["roles"]] == [
        r1["id"], r2["id"]]
    assert r1["id"] not in [r["id"] for r in api("GET", "/roles", 200)["roles"]]
    api("PUT", f"/roles/{r1['id']}/implies/{r2['id']}", 201)
    api("PUT", f"/roles/{r1['id']}/implies/{r3['id']}", 201)
    api("PUT", f"/roles/{r1['id']}/implies/{glob['id']}", 201)
    api("PUT", f"/roles/{glob['id']}/implies/{r1['id']}", 403)
    assert api.ks.call("HEAD", f"/roles/{r1['id']}/implies/{r2['id']}",
                       api.token).status_code == 204
    # A domain role is granted only within its domain, and never appears as effective.
    p1 = api.make("project", name="p1", domain_id=d1["id"])
    p2 = api.make("project", name="p2", domain_id=d2["id"])
    user = api.make("user", name="u", domain_id=d1["id"])
    api("PUT", f"/projects/{p2['id']}/users/{user['id']}/roles/{r1['id']}", 403)
    api("PUT", f"/projects/{p1['id']}/users/{user['id']}/roles/{r1['id']}", 204)
    eff = api("GET", f"/role_assignments?effective&user.id={user['id']}", 200)
    roles = {a["role"]["id"] for a in eff["role_assignments"]}
    assert r1["id"] not in roles and glob["id"] in roles
    implied = [a for a in eff["role_assignments"] if a["role"]["id"] == glob["id"]][0]
    assert implied["links"]["prior_role"].endswith(f"/v3/roles/{r1['id']}")
    api("PATCH", f"/roles/{r1['id']}", 400, json={"role": {"domain_id": d2["id"]}})
    api("PATCH", f"/roles/{r1['id']}", 409, json={"role": {"name": "dr2"}})


def test_grants_and_effective_assignments(api: Api) -> None:
    role = api.make("role", name="observer")
    d = api.make("domain", name="dom")
    parent = api.make("project", name="parent", domain_id=d["id"])
    child = api.make("project", name="child", domain_id=d["id"], parent_id=parent["id"])
    user = api.make("user", name="alice", domain_id=d["id"], password="pw-alice")
    group = api.make("group", name="team", domain_id=d["id"])
    api("PUT", f"/groups/{group['id']}/users/{user['id']}", 204)
    for path in (f"/projects/{parent['id']}/groups/{group['id']}",
                 f"/domains/{d['id']}/users/{user['id']}",
                 f"/system/groups/{group['id']}"):
        api("PUT", f"{path}/roles/{role['id']}", 204)
        api("HEAD", f"{path}/roles/{role['id']}", 204)
        assert [r["id"] for r in api("GET", f"{path}/roles", 200)["roles"]] == [role["id"]]
    inherit = f"/OS-INHERIT/projects/{parent['id']}/users/{user['id']}/roles/{role['id']}"
    api("PUT", f"{inherit}/inherited_to_projects", 204)
    direct = api("GET", f"/role_assignments?user.id={user['id']}", 200)["role_assignments"]
    assert {a["scope"].get("OS-INHERIT:inherited_to") for a in direct} == {None, "projects"}
    eff = api("GET", f"/role_assignments?effective=true&scope.project.id={child['id']}"
                     f"&include_names", 200)["role_assignments"]
    assert len(eff) == 1
    assert eff[0]["user"]["name"] == "alice" and eff[0]["scope"]["project"]["name"] == "child"
    assert eff[0]["links"]["assignment"].endswith("/inherited_to_projects")
    via_group = api("GET", f"/role_assignments?effective&scope.project.id={parent['id']}",
                    200)["role_assignments"]
    assert via_group[0]["links"]["membership"].endswith(
        f"/groups/{group['id']}/users/{user['id']}")
    tree = api("GET", f"/role_assignments?scope.project.id={parent['id']}&include_subtree=true"
                      f"&effective", 200)["role_assignments"]
    assert {a["scope"]["project"]["id"] for a in tree} == {parent["id"], child["id"]}
    api("GET", "/role_assignments?include_subtree=true", 400)
    api("GET", f"/role_assignments?effective&group.id={group['id']}", 400)
    system = api("GET", "/role_assignments?scope.system=all&effective", 200)["role_assignments"]
    assert any(a["user"]["id"] == user["id"] for a in system)
    # The token on the child project carries the inherited role.
    token = api.ks.token("alice", "pw-alice", "child", domain="dom")
    body = api.ks.call("GET", "/auth/tokens", api.token,
                       headers={"X-Subject-Token": token}).json()["token"]
    assert [r["id"] for r in body["roles"]] == [role["id"]]
    api("DELETE", f"{inherit}/inherited_to_projects", 204)
    api("DELETE", f"/projects/{parent['id']}/groups/{group['id']}/roles/{role['id']}", 204)
    api("HEAD", f"/projects/{parent['id']}/groups/{group['id']}/roles/{role['id']}", 404)
    assert api("GET", f"/role_assignments?effective&scope.project.id={child['id']}",
               200)["role_assignments"] == []


def test_project_hierarchy(api: Api) -> None:
    root = api.make("project", name="root")
    mid = api.make("project", name="mid", parent_id=root["id"])
    leaf = api.make("project", name="leaf", parent_id=mid["id"])
    assert leaf["domain_id"] == "default" and leaf["parent_id"] == mid["id"]
    shown = api("GET", f"/projects/{leaf['id']}?parents_as_ids", 200)["project"]
    assert shown["parents"] == {mid["id"]: {root["id"]: None}}
    shown = api("GET", f"/projects/{root['id']}?subtree_as_ids", 200)["project"]
    assert shown["subtree"] == {mid["id"]: {leaf["id"]: None}}
    shown = api("GET", f"/projects/{root['id']}?subtree_as_list&parents_as_list", 200)
    assert [p["project"]["id"] for p in shown["project"]["subtree"]] == [mid["id"], leaf["id"]]
    api("GET", f"/projects/{root['id']}?subtree_as_list&subtree_as_ids", 400)
    api("PATCH", f"/projects/{mid['id']}", 403, json={"project": {"enabled": False}})
    api("PATCH", f"/projects/{leaf['id']}", 200, json={"project": {"enabled": False}})
    api("PATCH", f"/projects/{mid['id']}", 200, json={"project": {"enabled": False}})
    api("PATCH", f"/projects/{leaf['id']}", 403, json={"project": {"enabled": True}})
    api("POST", "/projects", 400, json={"project": {"name": "x", "parent_id": mid["id"]}})
    api("PATCH", f"/projects/{leaf['id']}", 400, json={"project": {"parent_id": root["id"]}})
    api("DELETE", f"/projects/{mid['id']}", 403)
    other = api.make("domain", name="elsewhere")
    api("POST", "/projects", 400, json={"project": {"name": "x", "parent_id": root["id"],
                                                    "domain_id": other["id"]}})
    api("POST", "/projects", 400, json={"project": {"name": "x", "domain_id": "nope"}})
    api("POST", "/projects", 409, json={"project": {"name": "root"}})
    api("POST", "/projects", 400, json={"project": {"name": "x" * 65}})


def test_is_domain_projects(api: Api) -> None:
    made = api("POST", "/projects", 201, json={"project": {"name": "acme", "is_domain": True}})
    project = made["project"]
    assert project["is_domain"] is True and project["domain_id"] is None
    listed = api("GET", "/projects?is_domain=true", 200)["projects"]
    assert project["id"] in [p["id"] for p in listed]
    assert project["id"] not in [p["id"] for p in api("GET", "/projects", 200)["projects"]]
    assert project["id"] in [d["id"] for d in api("GET", "/domains", 200)["domains"]]
    assert api("GET", f"/projects/{project['id']}", 200)["project"]["is_domain"] is True
    api("DELETE", f"/projects/{project['id']}", 403)
    api("PATCH", f"/projects/{project['id']}", 200, json={"project": {"enabled": False}})
    api("DELETE", f"/projects/{project['id']}", 204)
    api("GET", f"/domains/{project['id']}", 404)


def test_domain_delete_cascades(api: Api) -> None:
    d = api.make("domain", name="gone")
    user = api.make("user", name="u", domain_id=d["id"])
    group = api.make("group", name="g", domain_id=d["id"])
    role = api.make("role", name="r", domain_id=d["id"])
    project = api.make("project", name="p", domain_id=d["id"])
    api("DELETE", f"/domains/{d['id']}", 403)
    api("PATCH", f"/domains/{d['id']}", 200, json={"domain": {"enabled": False}})
    api("DELETE", f"/domains/{d['id']}", 204)
    for path in (f"/users/{user['id']}", f"/groups/{group['id']}", f"/roles/{role['id']}",
                 f"/projects/{project['id']}", f"/domains/{d['id']}"):
        api("GET", path, 404)


def test_project_tags(api: Api) -> None:
    p = api.make("project", name="tagged", tags=["a"])
    api("PUT", f"/projects/{p['id']}/tags/b", 201)
    assert sorted(api("GET", f"/projects/{p['id']}/tags", 200)["tags"]) == ["a", "b"]
    assert api("PUT", f"/projects/{p['id']}/tags", 200,
               json={"tags": ["x", "y"]})["tags"] == ["x", "y"]
    api("PUT", f"/projects/{p['id']}/tags", 400, json={"tags": ["bad,tag"]})
    api("PUT", f"/projects/{p['id']}/tags", 400, json={"tags": ["t"] * 2})
    api("HEAD", f"/projects/{p['id']}/tags/a", 404)
    api("GET", f"/projects/{p['id']}/tags/x", 204)
    ids = [x["id"] for x in api("GET", "/projects?tags-any=y,z", 200)["projects"]]
    assert ids == [p["id"]]
    assert api("GET", "/projects?tags=x,z", 200)["projects"] == []
    api("DELETE", f"/projects/{p['id']}/tags", 204)
    assert api("GET", f"/projects/{p['id']}/tags", 200)["tags"] == []


def test_users_keep_extra_attributes(api: Api) -> None:
    user = api.make("user", name="bob", email="b@x")
    updated = api("PATCH", f"/users/{user['id']}", 200,
                  json={"user": {"project_id": "p-1", "email": "c@x"}})["user"]
    assert updated["project_id"] == "p-1" and updated["email"] == "c@x"
    api.make("user", name="carol")
    api("PATCH", f"/users/{user['id']}", 409, json={"user": {"name": "carol"}})


def test_policies_and_endpoint_groups(api: Api) -> None:
    pol = api.make("policy", blob='{"a": 1}', type="application/json")
    assert api("GET", f"/policies/{pol['id']}", 200)["policy"]["blob"] == '{"a": 1}'
    api("PATCH", f"/policies/{pol['id']}", 200, json={"policy": {"type": "text/plain"}})
    assert [p["type"] for p in api("GET", "/policies", 200)["policies"]] == ["text/plain"]
    api("POST", "/policies", 400, json={"policy": {"type": "x"}})
    api("DELETE", f"/policies/{pol['id']}", 204)
    api("GET", f"/policies/{pol['id']}", 404)

    svc = api.make("service", type="thing", name="thing")
    ep = api("POST", "/endpoints", 201, json={"endpoint": {
        "service_id": svc["id"], "interface": "public", "url": "http://x", "region": "newreg"}})
    assert ep["endpoint"]["region_id"] == "newreg"
    api("GET", "/regions/newreg", 200)
    api("PATCH", f"/endpoints/{ep['endpoint']['id']}", 400, json={"endpoint": {"enabled": "no"}})
    eg = api("POST", "/OS-EP-FILTER/endpoint_groups", 201, json={"endpoint_group": {
        "name": "g", "filters": {"service_id": svc["id"]}}})["endpoint_group"]
    api("POST", "/OS-EP-FILTER/endpoint_groups", 400, json={"endpoint_group": {
        "name": "g", "filters": {"colour": "red"}}})
    api("HEAD", f"/OS-EP-FILTER/endpoint_groups/{eg['id']}", 200)
    eps = api("GET", f"/OS-EP-FILTER/endpoint_groups/{eg['id']}/endpoints", 200)["endpoints"]
    assert [e["id"] for e in eps] == [ep["endpoint"]["id"]]
    p = api.make("project", name="filtered")
    api("PUT", f"/OS-EP-FILTER/endpoint_groups/{eg['id']}/projects/{p['id']}", 204)
    assert [g["id"] for g in api("GET", f"/OS-EP-FILTER/projects/{p['id']}/endpoint_groups",
                                 200)["endpoint_groups"]] == [eg["id"]]
    assert [e["id"] for e in api("GET", f"/OS-EP-FILTER/projects/{p['id']}/endpoints",
                                 200)["endpoints"]] == [ep["endpoint"]["id"]]
    # A project with endpoint associations sees only those in its tokens' catalog.
    roles = {r["name"]: r["id"] for r in api("GET", "/roles", 200)["roles"]}
    user = api.make("user", name="filtered-user", password="pw-f")
    api("PUT", f"/projects/{p['id']}/users/{user['id']}/roles/{roles['member']}", 204)
    token = api.ks.token("filtered-user", "pw-f", "filtered")
    catalog = api.ks.call("GET", "/auth/catalog", token).json()["catalog"]
    assert [e["id"] for s in catalog for e in s["endpoints"]] == [ep["endpoint"]["id"]]
    api("PATCH", f"/OS-EP-FILTER/endpoint_groups/{eg['id']}", 200,
        json={"endpoint_group": {"name": "g2"}})
    api("DELETE", f"/OS-EP-FILTER/endpoint_groups/{eg['id']}", 204)
    api("GET", f"/OS-EP-FILTER/endpoint_groups/{eg['id']}", 404)


def test_unscoped_token_has_no_catalog(api: Api) -> None:
    api.make("user", name="solo", password="pw-solo")
    token = api.ks.token("solo", "pw-solo")
    body = api.ks.call("GET", "/auth/tokens", api.token,
                       headers={"X-Subject-Token": token}).json()["token"]
    assert "catalog" not in body and "roles" not in body
    rescoped = api.ks.client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": token}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}})
    assert rescoped.status_code == 401  # solo has no role on demo
    roles = {r["name"]: r["id"] for r in api("GET", "/roles", 200)["roles"]}
    demo = api("GET", "/projects?name=demo", 200)["projects"][0]["id"]
    solo = api("GET", "/users?name=solo", 200)["users"][0]["id"]
    api("PUT", f"/projects/{demo}/users/{solo}/roles/{roles['reader']}", 204)
    rescoped = api.ks.client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": token}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}})
    assert rescoped.status_code == 201
    assert sorted(rescoped.json()["token"]["methods"]) == ["password", "token"]


def test_request_schemas_are_valid_json_schema() -> None:
    from jsonschema import Draft202012Validator

    from nimbus.identity.schemas import catalog_extras, requests

    for module in (requests, catalog_extras):
        for name in dir(module):
            value = getattr(module, name)
            if name.isupper() and isinstance(value, dict) and "type" in value:
                Draft202012Validator.check_schema(value)


def test_region_parents(api: Api) -> None:
    for name in ("top", "mid", "leaf"):
        api("POST", "/regions", 201, json={"region": {"id": name}})
    api("PATCH", "/regions/mid", 200, json={"region": {"parent_region_id": "top"}})
    api("PATCH", "/regions/leaf", 200, json={"region": {"parent_region_id": "mid"}})
    # The region itself up the new parent's chain: a circle, refused.
    api("PATCH", "/regions/top", 400, json={"region": {"parent_region_id": "leaf"}})
    api("PATCH", "/regions/top", 404, json={"region": {"parent_region_id": "nowhere"}})
    # An empty parent is no parent.
    shown = api("PATCH", "/regions/leaf", 200, json={"region": {"parent_region_id": ""}})
    assert shown["region"]["parent_region_id"] is None
    api("POST", "/regions", 201, json={"region": {"id": "r2", "parent_region_id": ""}})
    # A null description is allowed and kept as an empty one.
    shown = api("PATCH", "/regions/r2", 200, json={"region": {"description": None}})
    assert shown["region"]["description"] == ""
