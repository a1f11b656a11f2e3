"""Trusts (OS-TRUST): CRUD, trust-scoped tokens, impersonation, uses, redelegation, revocation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.unit.identity.conftest import Keystone
from tests.unit.identity.delegation_helpers import (
    Person,
    grant,
    login,
    make_project,
    make_role,
    make_user,
)

COVERS = [
    ("identity", "trust create/list/show/delete (OS-TRUST)"),
    ("identity", "trust roles list/show/check"),
    ("identity", "trust-scoped tokens (impersonation, roles, remaining_uses)"),
    ("identity", "trust redelegation chains"),
    ("identity", "trust deletion revokes its tokens"),
]


class World:
    def __init__(self, ks: Keystone) -> None:
        self.ks = ks
        self.admin = ks.admin()
        self.project = make_project(ks, self.admin)
        self.delegated = make_role(ks, self.admin)
        self.kept = make_role(ks, self.admin)
        self.trustor = make_user(ks, self.admin, self.project, self.delegated["id"])
        grant(ks, self.admin, self.project, self.trustor.id, self.kept["id"])
        self.trustee = make_user(ks, self.admin)
        self.stranger = make_user(ks, self.admin)
        self.trustor_token, _ = login(ks, self.trustor, self.project)
        self.trustee_token, _ = login(ks, self.trustee)

    def create(self, token: str | None = None, **over: Any) -> Any:
        trust: dict[str, Any] = {"trustor_user_id": self.trustor.id,
                                 "trustee_user_id": self.trustee.id,
                                 "project_id": self.project, "impersonation": True,
                                 "roles": [{"name": self.delegated["name"]}]}
        trust.update(over)
        return self.ks.call("POST", "/OS-TRUST/trusts", token or self.trustor_token,
                            json={"trust": trust})


@pytest.fixture
def world(keystone: Keystone) -> World:
    return World(keystone)


def test_create_show_roles_delete(world: World) -> None:
    ks = world.ks
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).replace(microsecond=0)
    expires_str = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    resp = world.create(expires_at=expires_str)
    assert resp.status_code == 201, resp.text
    trust = resp.json()["trust"]
    assert trust["impersonation"] is True
    assert trust["expires_at"] == expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    assert [r["name"] for r in trust["roles"]] == [world.delegated["name"]]
    assert trust["links"]["self"].endswith(f"/v3/OS-TRUST/trusts/{trust['id']}")
    assert trust["roles_links"]["self"].endswith("/roles")
    tid = trust["id"]
    for token in (world.trustor_token, world.trustee_token):
        shown = ks.call("GET", f"/OS-TRUST/trusts/{tid}", token)
        assert shown.status_code == 200 and shown.json()["trust"]["id"] == tid
    roles = ks.call("GET", f"/OS-TRUST/trusts/{tid}/roles", world.trustor_token).json()["roles"]
    assert [r["id"] for r in roles] == [world.delegated["id"]]
    path = f"/OS-TRUST/trusts/{tid}/roles/"
    assert ks.call("GET", path + world.delegated["id"], world.trustor_token).status_code == 200
    assert ks.call("HEAD", path + world.delegated["id"], world.trustor_token).status_code == 200
    assert ks.call("GET", path + world.kept["id"], world.trustor_token).status_code == 404
    assert ks.call("HEAD", path + world.kept["id"], world.trustor_token).status_code == 404
    listed = ks.call("GET", f"/OS-TRUST/trusts/?trustor_user_id={world.trustor.id}",
                     world.trustor_token).json()["trusts"]
    assert [t["id"] for t in listed] == [tid] and "roles" not in listed[0]
    everyone = ks.call("GET", "/OS-TRUST/trusts", world.admin).json()["trusts"]
    assert tid in {t["id"] for t in everyone}
    assert ks.call("DELETE", f"/OS-TRUST/trusts/{tid}", world.trustor_token).status_code == 204
    assert ks.call("GET", f"/OS-TRUST/trusts/{tid}", world.trustor_token).status_code == 404


def test_bad_input(world: World) -> None:
    resp = world.create(expires_at="bad.123Z")
    assert resp.status_code == 400 and "expires_at" in resp.json()["error"]["message"]
    resp = world.create(impersonation="yes")
    assert resp.status_code == 400 and "impersonation" in resp.json()["error"]["message"]
    resp = world.ks.call("POST", "/OS-TRUST/trusts", world.trustor_token, json={"trust": {
        "trustor_user_id": world.trustor.id, "trustee_user_id": world.trustee.id}})
    assert resp.status_code == 400 and "impersonation" in resp.json()["error"]["message"]
    assert world.create(remaining_uses=0).status_code == 400
    assert world.create(roles=[]).status_code == 403
    assert world.create(trustee_user_id="nobody").status_code == 404
    # A role the trustor does not hold on the project cannot be delegated.
    other = make_role(world.ks, world.admin)
    assert world.create(roles=[{"id": other["id"]}]).status_code == 404
    resp = world.ks.call("POST", "/OS-TRUST/trusts", world.trustor_token, content=b"{nope",
                         headers={"Content-Type": "application/json"})
    assert resp.status_code == 400


def test_protection(world: World) -> None:
    ks = world.ks
    stranger_token, _ = login(ks, world.stranger)
    # Only the trustor may create a trust in their own name.
    assert world.create(token=world.trustee_token).status_code == 403
    tid = world.create().json()["trust"]["id"]
    assert ks.call("GET", f"/OS-TRUST/trusts/{tid}", stranger_token).status_code == 403
    assert ks.call("GET", f"/OS-TRUST/trusts/{tid}/roles", stranger_token).status_code == 403
    assert ks.call("DELETE", f"/OS-TRUST/trusts/{tid}", stranger_token).status_code == 403
    # The trustee may see the trust but not delete it.
    assert ks.call("DELETE", f"/OS-TRUST/trusts/{tid}", world.trustee_token).status_code == 403
    assert ks.call("GET", "/OS-TRUST/trusts", stranger_token).status_code == 403
    resp = ks.call("GET", f"/OS-TRUST/trusts?trustor_user_id={world.trustor.id}",
                   stranger_token)
    assert resp.status_code == 403
    mine = ks.call("GET", f"/OS-TRUST/trusts?trustee_user_id={world.trustee.id}",
                   world.trustee_token)
    assert [t["id"] for t in mine.json()["trusts"]] == [tid]
    assert ks.call("GET", "/OS-TRUST/trusts/nope", world.trustor_token).status_code == 404


def _trust_token(world: World, tid: str, who: Person | None = None) -> Any:
    who = who or world.trustee
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": who.id, "password": who.password}}}, "scope": {"OS-TRUST:trust": {"id": tid}}}}
    return world.ks.client.post("/identity/v3/auth/tokens", json=body)


def test_impersonating_trust_token(world: World) -> None:
    tid = world.create().json()["trust"]["id"]
    resp = _trust_token(world, tid)
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert token["user"]["id"] == world.trustor.id
    assert token["project"]["id"] == world.project
    assert [r["id"] for r in token["roles"]] == [world.delegated["id"]]
    assert token["OS-TRUST:trust"] == {"id": tid, "impersonation": True,
                                       "trustor_user": {"id": world.trustor.id},
                                       "trustee_user": {"id": world.trustee.id}}
    subject = resp.headers["X-Subject-Token"]
    check = world.ks.call("GET", "/auth/tokens", world.admin,
                          headers={"X-Subject-Token": subject})
    assert check.status_code == 200 and check.json()["token"]["OS-TRUST:trust"]["id"] == tid
    # A trust token cannot be traded for an ordinary token of the trustor.
    rescope = {"auth": {"identity": {"methods": ["token"], "token": {"id": subject}},
                        "scope": {"project": {"id": world.project}}}}
    assert world.ks.client.post("/identity/v3/auth/tokens", json=rescope).status_code == 403


def test_plain_trust_token_and_strangers(world: World) -> None:
    tid = world.create(impersonation=False).json()["trust"]["id"]
    resp = _trust_token(world, tid)
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert token["user"]["id"] == world.trustee.id
    assert token["OS-TRUST:trust"]["impersonation"] is False
    assert _trust_token(world, tid, world.stranger).status_code == 403
    assert _trust_token(world, "missing").status_code == 404


def test_remaining_uses(world: World) -> None:
    tid = world.create(remaining_uses=2).json()["trust"]["id"]
    first = _trust_token(world, tid)
    assert first.status_code == 201
    assert _trust_token(world, tid).status_code == 201
    assert _trust_token(world, tid).status_code == 404
    # Tokens already issued stay good; the exhausted trust is no longer shown.
    check = world.ks.call("GET", "/auth/tokens", world.admin,
                          headers={"X-Subject-Token": first.headers["X-Subject-Token"]})
    assert check.status_code == 200
    assert world.ks.call("GET", f"/OS-TRUST/trusts/{tid}", world.trustor_token).status_code == 404


def test_deleting_the_trust_revokes_its_tokens(world: World) -> None:
    tid = world.create().json()["trust"]["id"]
    subject = _trust_token(world, tid).headers["X-Subject-Token"]
    headers = {"X-Subject-Token": subject}
    assert world.ks.call("GET", "/auth/tokens", world.admin, headers=headers).status_code == 200
    assert world.ks.call("GET", "/users/" + world.trustor.id, subject).status_code == 200
    world.ks.call("DELETE", f"/OS-TRUST/trusts/{tid}", world.trustor_token)
    assert world.ks.call("GET", "/auth/tokens", world.admin, headers=headers).status_code == 404
    assert world.ks.call("GET", "/users/" + world.trustor.id, subject).status_code == 401


def test_losing_the_role_invalidates_trust_tokens(world: World) -> None:
    tid = world.create().json()["trust"]["id"]
    subject = _trust_token(world, tid).headers["X-Subject-Token"]
    path = f"/projects/{world.project}/users/{world.trustor.id}/roles/{world.delegated['id']}"
    assert world.ks.call("DELETE", path, world.admin).status_code == 204
    world.ks.cloud.auth.invalidate()
    check = world.ks.call("GET", "/auth/tokens", world.admin,
                          headers={"X-Subject-Token": subject})
    assert check.status_code == 404


def test_redelegation_chain(world: World) -> None:
    ks = world.ks
    resp = world.create(allow_redelegation=True, impersonation=False)
    parent = resp.json()["trust"]
    assert parent["allow_redelegation"] is True and parent["redelegation_count"] == 3
    trust_token = _trust_token(world, parent["id"]).headers["X-Subject-Token"]
    third = make_user(ks, world.admin)
    child = {"trustor_user_id": world.trustee.id, "trustee_user_id": third.id,
             "project_id": world.project, "impersonation": False,
             "allow_redelegation": True, "roles": [{"id": world.delegated["id"]}]}
    # Widening is refused: impersonation the parent lacks, roles it does not hold.
    for bad in ({"impersonation": True}, {"roles": [{"id": world.kept["id"]}]},
                {"remaining_uses": 1}, {"redelegation_count": 3}):
        resp = ks.call("POST", "/OS-TRUST/trusts", trust_token, json={"trust": {**child, **bad}})
        assert resp.status_code == 403, (bad, resp.text)
    resp = ks.call("POST", "/OS-TRUST/trusts", trust_token, json={"trust": child})
    assert resp.status_code == 201, resp.text
    made = resp.json()["trust"]
    assert made["redelegated_trust_id"] == parent["id"] and made["redelegation_count"] == 2
    resp = _trust_token(world, made["id"], third)
    assert resp.status_code == 201, resp.text
    assert [r["id"] for r in resp.json()["token"]["roles"]] == [world.delegated["id"]]
    # Deleting the root takes the whole chain with it.
    assert ks.call("DELETE", f"/OS-TRUST/trusts/{parent['id']}",
                   world.trustor_token).status_code == 204
    assert _trust_token(world, made["id"], third).status_code == 404


def test_no_redelegation_without_permission(world: World) -> None:
    tid = world.create(impersonation=False).json()["trust"]["id"]
    trust_token = _trust_token(world, tid).headers["X-Subject-Token"]
    third = make_user(world.ks, world.admin)
    resp = world.ks.call("POST", "/OS-TRUST/trusts", trust_token, json={"trust": {
        "trustor_user_id": world.trustee.id, "trustee_user_id": third.id,
        "project_id": world.project, "impersonation": False,
        "roles": [{"id": world.delegated["id"]}]}})
    assert resp.status_code == 403


def test_deleting_a_user_removes_their_trusts(world: World) -> None:
    tid = world.create().json()["trust"]["id"]
    assert world.ks.call("DELETE", f"/users/{world.trustee.id}", world.admin).status_code == 204
    assert world.ks.call("GET", f"/OS-TRUST/trusts/{tid}", world.trustor_token).status_code == 404


def test_restricted_app_cred_cannot_manage_trusts(world: World) -> None:
    ks = world.ks
    resp = ks.call("POST", f"/users/{world.trustor.id}/application_credentials",
                   world.trustor_token, json={"application_credential": {"name": "ac"}})
    assert resp.status_code == 201, resp.text
    cred = resp.json()["application_credential"]
    issued = ks.client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": cred["id"], "secret": cred["secret"]}}}})
    assert issued.status_code == 201
    assert world.create(token=issued.headers["X-Subject-Token"]).status_code == 403
