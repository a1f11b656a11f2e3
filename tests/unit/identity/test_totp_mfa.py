"""TOTP auth method, multi-factor rules and auth receipts."""

from __future__ import annotations

import base64
import time
from typing import Any

from nimbus.identity.manager.auth_methods.totp import passcode
from tests.unit.identity.conftest import Keystone
from tests.unit.identity.delegation_helpers import Person, make_project, make_user

COVERS = [
    ("identity", "totp auth method"),
    ("identity", "multi-factor auth rules and auth receipts"),
]

SECRET = base64.b32encode(b"0123456789abcdef0123").decode()


def _password(who: Person) -> dict[str, Any]:
    return {"user": {"id": who.id, "password": who.password}}


def _totp(who: Person, code: str) -> dict[str, Any]:
    return {"user": {"id": who.id, "passcode": code}}


def _auth(ks: Keystone, methods: dict[str, Any], project: str, receipt: str | None = None) -> Any:
    headers = {"Openstack-Auth-Receipt": receipt} if receipt else {}
    body = {"auth": {"identity": {"methods": list(methods), **methods},
                     "scope": {"project": {"id": project}}}}
    return ks.client.post("/identity/v3/auth/tokens", json=body, headers=headers)


def _setup(ks: Keystone) -> tuple[str, str, Person]:
    admin = ks.admin()
    project = make_project(ks, admin)
    who = make_user(ks, admin, project, "member")
    resp = ks.call("POST", "/credentials", admin, json={"credential": {
        "user_id": who.id, "type": "totp", "blob": SECRET}})
    assert resp.status_code == 201, resp.text
    return admin, project, who


def test_passcode_matches_rfc6238() -> None:
    # RFC 6238 appendix B, SHA-1, 8 digits, T = 59.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert passcode(secret, 59, digits=8) == "94287082"
    assert passcode(secret, 1111111109, digits=8) == "07081804"


def test_totp_login(keystone: Keystone) -> None:
    _, project, who = _setup(keystone)
    resp = _auth(keystone, {"totp": _totp(who, passcode(SECRET))}, project)
    assert resp.status_code == 201, resp.text
    assert resp.json()["token"]["methods"] == ["totp"]
    # The previous window still counts; older ones and wrong codes do not.
    assert _auth(keystone, {"totp": _totp(who, passcode(SECRET, time.time() - 30))},
                 project).status_code == 201
    assert _auth(keystone, {"totp": _totp(who, passcode(SECRET, time.time() - 120))},
                 project).status_code == 401
    resp = _auth(keystone, {"totp": {"user": {"id": who.id}}}, project)
    assert resp.status_code == 400 and "passcode" in resp.json()["error"]["message"]


def test_mfa_rules_and_receipts(keystone: Keystone) -> None:
    admin, project, who = _setup(keystone)
    resp = keystone.call("PATCH", f"/users/{who.id}", admin, json={"user": {"options": {
        "multi_factor_auth_enabled": True,
        "multi_factor_auth_rules": [["password", "totp"]]}}})
    assert resp.status_code == 200, resp.text
    first = _auth(keystone, {"password": _password(who)}, project)
    assert first.status_code == 401
    receipt = first.headers["Openstack-Auth-Receipt"]
    body = first.json()
    assert body["required_auth_methods"] == [["password", "totp"]]
    assert body["receipt"]["methods"] == ["password"]
    assert body["receipt"]["user"]["id"] == who.id
    # The receipt is no token.
    check = keystone.call("GET", "/auth/tokens", admin, headers={"X-Subject-Token": receipt})
    assert check.status_code == 404
    second = _auth(keystone, {"totp": _totp(who, passcode(SECRET))}, project, receipt)
    assert second.status_code == 201, second.text
    assert sorted(second.json()["token"]["methods"]) == ["password", "totp"]
    # Both at once work too; a garbage receipt is refused.
    both = _auth(keystone, {"password": _password(who), "totp": _totp(who, passcode(SECRET))},
                 project)
    assert both.status_code == 201
    bad = _auth(keystone, {"totp": _totp(who, passcode(SECRET))}, project, "garbage")
    assert bad.status_code == 401
