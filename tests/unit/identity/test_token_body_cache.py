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


def test_a_repeated_validation_is_answered_from_memory_until_the_policy_changes(
        keystone: Keystone, monkeypatch: Any) -> None:
    # An operator's policy file, there from the start (so that the rules are read from it).
    policy = keystone.cloud.settings.state_dir / "policy" / "identity.yaml"
    policy.parent.mkdir(exist_ok=True)
    policy.write_text('"identity:validate_token": "rule:admin_required"\n')
    admin = keystone.admin()
    tokens = keystone.cloud.runtimes["identity"].state.tokens
    calls: list[str] = []
    real = tokens.validate

    def counted(token: str, **kwargs: Any) -> Any:
        calls.append(token)
        return real(token, **kwargs)

    monkeypatch.setattr(tokens, "validate", counted)
    first = _validate(keystone, admin, admin)
    made = len(calls)
    assert made >= 1
    second = _validate(keystone, admin, admin)
    assert first.status_code == second.status_code == 200
    # The same bytes, under a request id of its own, without the handler running again.
    assert first.content == second.content and len(calls) == made
    assert first.headers["x-openstack-request-id"] != second.headers["x-openstack-request-id"]
    assert second.headers["x-subject-token"] == admin
    # A token that is not one is never kept: each attempt is checked.
    for _ in range(2):
        assert _validate(keystone, admin, "not-a-token").status_code == 404
    # The file changed to refuse validation is obeyed at once.
    policy.write_text('"identity:validate_token": "!"\n')
    assert _validate(keystone, admin, admin).status_code == 403
