"""Tokens: issue, validate, revoke, rescope, rotation, and bad input."""

from __future__ import annotations

from tests.unit.identity.conftest import Keystone

COVERS = [
    ('identity', 'token issue/validate/check/revoke'),
    ('identity', 'token rescope (token method)'),
    ('identity', 'Fernet key rotation'),
    ('identity', 'lockout after failed attempts'),
    ('identity', 'password auth faults (401/400)'),
]

def test_issue_validate_revoke(keystone: Keystone) -> None:
    admin = keystone.admin()
    resp = keystone.call("GET", "/auth/tokens", admin, headers={"X-Subject-Token": admin})
    assert resp.status_code == 200
    token = resp.json()["token"]
    assert {r["name"] for r in token["roles"]} >= {"admin", "member", "reader"}
    assert {e["type"] for e in token["catalog"]} >= {"identity"}
    assert token["project"]["name"] == "admin"
    assert keystone.call("HEAD", "/auth/tokens", admin,
                         headers={"X-Subject-Token": admin}).status_code == 200
    other = keystone.admin()
    assert keystone.call("DELETE", "/auth/tokens", admin,
                         headers={"X-Subject-Token": other}).status_code == 204
    assert keystone.call("GET", "/auth/tokens", admin,
                         headers={"X-Subject-Token": other}).status_code == 404


def test_nocatalog_and_unscoped(keystone: Keystone) -> None:
    admin = keystone.admin()
    resp = keystone.call("GET", "/auth/tokens?nocatalog", admin,
                         headers={"X-Subject-Token": admin})
    assert "catalog" not in resp.json()["token"]
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": "secret"}}},
        "scope": "unscoped"}}
    resp = keystone.client.post("/identity/v3/auth/tokens", json=body)
    assert resp.status_code == 201
    assert "project" not in resp.json()["token"]


def test_rescope_with_token_method(keystone: Keystone) -> None:
    unscoped = keystone.token("admin", "secret")
    body = {"auth": {"identity": {"methods": ["token"], "token": {"id": unscoped}},
                     "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}}
    resp = keystone.client.post("/identity/v3/auth/tokens", json=body)
    # admin has no role on demo
    assert resp.status_code == 401
    body["auth"]["scope"] = {"project": {"name": "admin", "domain": {"id": "default"}}}
    resp = keystone.client.post("/identity/v3/auth/tokens", json=body)
    assert resp.status_code == 201
    assert resp.json()["token"]["project"]["name"] == "admin"


def test_wrong_password_and_bad_bodies(keystone: Keystone) -> None:
    bad = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"id": "default"}, "password": "nope"}}}}}
    resp = keystone.client.post("/identity/v3/auth/tokens", json=bad)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == 401
    resp = keystone.client.post("/identity/v3/auth/tokens", content=b"{oops",
                                headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    resp = keystone.client.post("/identity/v3/auth/tokens", json={"auth": {}})
    assert resp.status_code == 400 and "identity" in resp.json()["error"]["message"]
    resp = keystone.client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["kerberos"]}}})
    assert resp.status_code == 401


def test_key_rotation_keeps_old_tokens_until_their_key_goes(keystone: Keystone) -> None:
    state = keystone.cloud.runtimes["identity"].state
    admin = keystone.admin()
    early = keystone.admin()
    state.rotate_keys()
    state.rotate_keys()
    keystone.cloud.auth.invalidate()
    # Staged, primary and two secondaries: a token from two rotations ago still validates.
    assert keystone.call("GET", "/auth/tokens", admin,
                         headers={"X-Subject-Token": early}).status_code == 200
    state.rotate_keys()
    state.rotate_keys()
    keystone.cloud.auth.invalidate()
    fresh = keystone.admin()
    resp = keystone.call("GET", "/auth/tokens", fresh, headers={"X-Subject-Token": early})
    assert resp.status_code == 404


def test_lockout_after_failures(keystone: Keystone) -> None:
    admin = keystone.admin()
    resp = keystone.call("POST", "/users", admin, json={"user": {"name": "bob", "password": "pw1"}})
    assert resp.status_code == 201
    bad = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "bob", "domain": {"id": "default"}, "password": "wrong"}}}}}
    for _ in range(2):
        assert keystone.client.post("/identity/v3/auth/tokens", json=bad).status_code == 401
    good = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "bob", "domain": {"id": "default"}, "password": "pw1"}}}}}
    assert keystone.client.post("/identity/v3/auth/tokens", json=good).status_code == 401
