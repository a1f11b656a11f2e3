"""Application credentials with access rules: rules are stored per user, shown, shared, deleted."""

from __future__ import annotations

from typing import Any

from tests.unit.identity.conftest import Keystone
from tests.unit.identity.delegation_helpers import login, make_project, make_user

COVERS = [
    ("identity", "application credential access rules"),
    ("identity", "access rules list/show/delete"),
]

RULE = {"path": "/v2.1/servers/*/ips", "method": "GET", "service": "compute"}


def _setup(ks: Keystone) -> tuple[str, str, str, str]:
    admin = ks.admin()
    project = make_project(ks, admin)
    user = make_user(ks, admin, project, "member")
    other = make_user(ks, admin, project, "member")
    return user.id, login(ks, user, project)[0], other.id, login(ks, other, project)[0]


def _create(ks: Keystone, uid: str, token: str, name: str, rules: list[dict[str, Any]]) -> Any:
    return ks.call("POST", f"/users/{uid}/application_credentials", token, json={
        "application_credential": {"name": name, "access_rules": rules}})


def test_rules_are_recorded_shared_and_protected(keystone: Keystone) -> None:
    uid, token, other_id, other = _setup(keystone)
    resp = _create(keystone, uid, token, "one", [RULE])
    assert resp.status_code == 201, resp.text
    rule = resp.json()["application_credential"]["access_rules"][0]
    assert {k: v for k, v in rule.items() if k != "id"} == RULE
    # The same triple is the same rule; a rule can be named by id alone.
    two = _create(keystone, uid, token, "two", [{"id": rule["id"]}]).json()
    assert two["application_credential"]["access_rules"][0]["id"] == rule["id"]
    listed = keystone.call("GET", f"/users/{uid}/access_rules", token).json()["access_rules"]
    assert [r["id"] for r in listed] == [rule["id"]]
    shown = keystone.call("GET", f"/users/{uid}/access_rules/{rule['id']}", token)
    assert shown.status_code == 200 and shown.json()["access_rule"]["service"] == "compute"
    # The app-cred token carries the rules, so services can hold the caller to them.
    secret = resp.json()["application_credential"]["secret"]
    auth = {"auth": {"identity": {"methods": ["application_credential"],
                                  "application_credential": {
                                      "id": resp.json()["application_credential"]["id"],
                                      "secret": secret}}}}
    issued = keystone.client.post("/identity/v3/auth/tokens", json=auth)
    assert issued.status_code == 201
    assert issued.json()["token"]["application_credential"]["access_rules"][0]["id"] == rule[
        "id"]
    # In use: 403 until both credentials are gone.
    path = f"/users/{uid}/access_rules/{rule['id']}"
    assert keystone.call("DELETE", path, token).status_code == 403
    for cred in (resp.json(), two):
        cid = cred["application_credential"]["id"]
        assert keystone.call("DELETE", f"/users/{uid}/application_credentials/{cid}",
                             token).status_code == 204
    # Another user sees nothing of it.
    assert keystone.call("GET", path, other).status_code == 403
    assert keystone.call("DELETE", path, other).status_code == 403
    assert keystone.call("GET", f"/users/{other_id}/access_rules/{rule['id']}",
                         other).status_code == 404
    assert keystone.call("DELETE", path, token).status_code == 204
    assert keystone.call("GET", path, token).status_code == 404


def test_bad_rules(keystone: Keystone) -> None:
    uid, token, _, _ = _setup(keystone)
    for bad, field in (({**RULE, "method": "FETCH"}, "method"),
                       ({"path": "/x", "method": "GET"}, "service"),
                       ({**RULE, "colour": "red"}, "access_rules"),
                       ({"id": "missing"}, "access rule")):
        resp = _create(keystone, uid, token, f"bad-{field}", [bad])
        assert resp.status_code in (400, 404), resp.text
        assert field in resp.json()["error"]["message"], resp.text
