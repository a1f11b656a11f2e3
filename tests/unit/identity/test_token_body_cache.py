"""Validated token bodies are cached, and every identity write is seen by the next validation."""

from __future__ import annotations

from typing import Any

from tests.unit.identity.conftest import Keystone

COVERS = [("identity", "token validation cache: writes and revocations seen at once")]


def _validate(ks: Keystone, admin: str, subject: str) -> Any:
    return ks.call("GET", "/auth/tokens", admin, headers={"X-Subject-Token": subject})


def _setup_member(ks: Keystone, admin: str) -> tuple[str, str, str]:
    project = ks.call("POST", "/projects", admin, json={"project": {"name": "cachep"}}).json()
    user = ks.call("POST", "/users", admin, json={"user": {
        "name": "cacheu", "password": "pw-cache-1", "default_project_id": project["project"]["id"]}}
    ).json()["user"]
    role = ks.call("GET", "/roles?name=member", admin).json()["roles"][0]
    resp = ks.call("PUT", f"/projects/{project['project']['id']}/users/{user['id']}/roles/"
                          f"{role['id']}", admin)
    assert resp.status_code == 204, resp.text
    return project["project"]["id"], user["id"], role["id"]


def test_role_removal_is_seen_by_the_next_validation(keystone: Keystone) -> None:
    admin = keystone.admin()
    project_id, user_id, role_id = _setup_member(keystone, admin)
    token = keystone.token("cacheu", "pw-cache-1", "cachep")
    for _ in range(2):  # the second one is served from the cache
        resp = _validate(keystone, admin, token)
        assert resp.status_code == 200
        assert "member" in [r["name"] for r in resp.json()["token"]["roles"]]
    resp = keystone.call("DELETE", f"/projects/{project_id}/users/{user_id}/roles/{role_id}", admin)
    assert resp.status_code == 204
    assert _validate(keystone, admin, token).status_code == 404


def test_catalog_and_names_follow_writes(keystone: Keystone) -> None:
    admin = keystone.admin()
    _setup_member(keystone, admin)
    token = keystone.token("cacheu", "pw-cache-1", "cachep")
    before = _validate(keystone, admin, token).json()["token"]
    svc = keystone.call("POST", "/services", admin, json={"service": {
        "type": "cache-test", "name": "cachesvc"}}).json()["service"]
    keystone.call("POST", "/endpoints", admin, json={"endpoint": {
        "service_id": svc["id"], "interface": "public", "url": "http://cache.example/",
        "region_id": "RegionOne"}})
    keystone.call("PATCH", f"/projects/{before['project']['id']}", admin,
                  json={"project": {"name": "cachep-renamed"}})
    after = _validate(keystone, admin, token).json()["token"]
    assert "cache-test" in {s["type"] for s in after["catalog"]}
    assert "cache-test" not in {s["type"] for s in before["catalog"]}
    assert after["project"]["name"] == "cachep-renamed"


def test_revoked_token_fails_at_once_after_cached_validations(keystone: Keystone) -> None:
    admin = keystone.admin()
    token = keystone.admin()
    assert _validate(keystone, admin, token).status_code == 200
    assert _validate(keystone, admin, token).status_code == 200
    resp = keystone.call("DELETE", "/auth/tokens", admin, headers={"X-Subject-Token": token})
    assert resp.status_code == 204
    assert _validate(keystone, admin, token).status_code == 404


def test_user_disable_is_seen_at_once(keystone: Keystone) -> None:
    admin = keystone.admin()
    _, user_id, _ = _setup_member(keystone, admin)
    token = keystone.token("cacheu", "pw-cache-1", "cachep")
    assert _validate(keystone, admin, token).status_code == 200
    keystone.call("PATCH", f"/users/{user_id}", admin, json={"user": {"enabled": False}})
    assert _validate(keystone, admin, token).status_code == 404
