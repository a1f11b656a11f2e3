"""Federated sign-in: mapped assertions from a trusted front-end, and OIDC bearer tokens."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from nimbus.conf.settings import load
from nimbus.core.api.app import build_app
from nimbus.core.cloud import Cloud
from tests.unit.identity.conftest import Keystone
from tests.unit.identity.federation_helpers import (
    AUDIENCE,
    ISSUER,
    MAPPING,
    OIDC_MAPPING,
    REMOTE_ID_HEADER,
    IdpKey,
    assertion_headers,
    federation_settings,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

COVERS = [
    ("identity", "OS-FEDERATION mapped auth: unscoped federated token from a trusted assertion"),
    ("identity", "OS-FEDERATION auth/projects and rescoping a federated token"),
    ("identity", "OS-FEDERATION OIDC bearer (JWT, RS256/ES256, JWKS) auth"),
    ("identity", "OS-FEDERATION shadow users, auto-provisioned projects, local users"),
    ("identity", "OS-FEDERATION WebSSO"),
]
F = "/OS-FEDERATION"
KEY = IdpKey("RS256")


class Fed(Keystone):
    idp_domain: str
    staff: str
    project: str

    def federated(self, protocol: str = "saml2", headers: dict[str, str] | None = None,
                  idp: str = "testidp") -> Any:
        return self.call("POST", f"{F}/identity_providers/{idp}/protocols/{protocol}/auth",
                         None, headers=headers if headers is not None else assertion_headers())

    def rescope(self, token: str, project: str) -> Any:
        return self.client.post("/identity/v3/auth/tokens", json={"auth": {
            "identity": {"methods": ["token"], "token": {"id": token}},
            "scope": {"project": {"id": project}}}})


@pytest.fixture
def fed(tmp_path: Path) -> Iterator[Fed]:
    settings = load({"state_dir": str(tmp_path), "admin_password": "secret", "kdf_cost": 10,
                     "federation": federation_settings(KEY)})
    cloud = Cloud(settings, services=["identity"])
    cloud.migrate()
    cloud.start()
    cloud.bootstrap()
    k = Fed(TestClient(build_app(cloud), raise_server_exceptions=False), cloud)
    admin = k.admin()

    def ok(resp: Any) -> dict[str, Any]:
        assert resp.status_code in (200, 201, 204), resp.text
        return resp.json() if resp.content else {}

    k.staff = ok(k.call("POST", "/groups", admin, json={"group": {"name": "staff"}}))["group"]["id"]
    k.project = ok(k.call("POST", "/projects", admin,
                          json={"project": {"name": "fedproj"}}))["project"]["id"]
    member = ok(k.call("GET", "/roles?name=member", admin))["roles"][0]["id"]
    ok(k.call("PUT", f"/projects/{k.project}/groups/{k.staff}/roles/{member}", admin))
    ok(k.call("PUT", f"{F}/mappings/saml", admin, json={"mapping": MAPPING}))
    ok(k.call("PUT", f"{F}/mappings/oidc", admin, json={"mapping": OIDC_MAPPING}))
    idp = ok(k.call("PUT", f"{F}/identity_providers/testidp", admin, json={"identity_provider": {
        "enabled": True, "remote_ids": ["https://saml.test.example", ISSUER]}}))
    k.idp_domain = idp["identity_provider"]["domain_id"]
    for protocol, mapping in (("saml2", "saml"), ("mapped", "saml"), ("openid", "oidc")):
        ok(k.call("PUT", f"{F}/identity_providers/testidp/protocols/{protocol}", admin,
                  json={"protocol": {"mapping_id": mapping}}))
    yield k
    cloud.stop()


def test_mapped_user_gets_unscoped_token_then_project_token(fed: Fed) -> None:
    resp = fed.federated()
    assert resp.status_code == 201, resp.text
    unscoped = resp.headers["X-Subject-Token"]
    token = resp.json()["token"]
    assert token["methods"] == ["saml2"]
    assert "project" not in token and "roles" not in token
    assert token["user"]["name"] == "alice"
    assert token["user"]["domain"]["id"] == fed.idp_domain
    assert token["user"]["OS-FEDERATION"] == {
        "identity_provider": {"id": "testidp"}, "protocol": {"id": "saml2"},
        "groups": [{"id": fed.staff}]}

    for path in ("/auth/projects", f"{F}/projects"):
        projects = fed.call("GET", path, unscoped).json()["projects"]
        assert [p["id"] for p in projects] == [fed.project], path
    assert fed.call("GET", "/auth/domains", unscoped).json()["domains"] == []
    assert fed.call("GET", f"{F}/domains", unscoped).json()["domains"] == []

    resp = fed.rescope(unscoped, fed.project)
    assert resp.status_code == 201, resp.text
    scoped = resp.json()["token"]
    assert scoped["project"]["id"] == fed.project
    assert {r["name"] for r in scoped["roles"]} == {"member", "reader"}
    assert scoped["user"]["OS-FEDERATION"]["groups"] == [{"id": fed.staff}]
    assert any(e["type"] == "identity" for e in scoped["catalog"])
    subject = resp.headers["X-Subject-Token"]
    check = fed.call("GET", "/auth/tokens", fed.admin(), headers={"X-Subject-Token": subject})
    assert check.status_code == 200
    assert check.json()["token"]["user"]["OS-FEDERATION"]["protocol"] == {"id": "saml2"}
    # The admin project is not reachable through the mapped groups.
    demo = fed.cloud.facts.projects["admin"]
    assert fed.rescope(unscoped, demo).status_code == 401


def test_shadow_user_is_created_once_and_listed(fed: Fed) -> None:
    first = fed.federated().json()["token"]["user"]["id"]
    headers = assertion_headers(groups="staff")
    headers["X-Fed-Mail"] = "alice@new.example"
    second = fed.federated(headers=headers).json()["token"]["user"]["id"]
    assert first == second
    users = fed.call("GET", f"/users?domain_id={fed.idp_domain}", fed.admin()).json()["users"]
    assert [(u["name"], u["id"], u.get("email")) for u in users] == [
        ("alice", first, "alice@new.example")]
    assert users[0]["federated"] == [{"idp_id": "testidp", "protocols": [
        {"protocol_id": "saml2", "unique_id": "alice"}]}]
    # The same person through another protocol of the provider is the same user.
    assert fed.federated("mapped").json()["token"]["user"]["id"] == first
    shown = fed.call("GET", f"/users/{first}", fed.admin()).json()["user"]
    assert [p["protocol_id"] for p in shown["federated"][0]["protocols"]] == ["saml2", "mapped"]
    # Ephemeral users hold no group membership of their own: roles come only via the token.
    groups = fed.call("GET", f"/users/{first}/groups", fed.admin()).json()["groups"]
    assert groups == []


def test_auto_provisioned_projects(fed: Fed) -> None:
    resp = fed.federated(headers=assertion_headers("bob", "sandboxers"))
    assert resp.status_code == 201, resp.text
    assert resp.json()["token"]["user"]["OS-FEDERATION"]["groups"] == []
    unscoped = resp.headers["X-Subject-Token"]
    projects = fed.call("GET", "/auth/projects", unscoped).json()["projects"]
    assert [(p["name"], p["domain_id"]) for p in projects] == [("sandbox-bob", fed.idp_domain)]
    scoped = fed.rescope(unscoped, projects[0]["id"])
    assert scoped.status_code == 201
    assert "member" in {r["name"] for r in scoped.json()["token"]["roles"]}


def test_local_user_mapping(fed: Fed) -> None:
    admin = fed.admin()
    rules = {"rules": [{"local": [{"user": {"name": "{0}", "type": "local",
                                            "domain": {"id": "default"}}}],
                        "remote": [{"type": "UserName"}]}]}
    assert fed.call("PATCH", f"{F}/mappings/saml", admin,
                    json={"mapping": rules}).status_code == 200
    resp = fed.federated(headers=assertion_headers("demo"))
    assert resp.status_code == 201, resp.text
    demo = fed.cloud.facts.users["demo"]
    assert resp.json()["token"]["user"]["id"] == demo
    projects = fed.call("GET", "/auth/projects", resp.headers["X-Subject-Token"]).json()
    assert [p["id"] for p in projects["projects"]] == [fed.cloud.facts.projects["demo"]]
    assert fed.federated(headers=assertion_headers("ghost")).status_code == 401


@pytest.mark.parametrize("headers, status", [
    ({**assertion_headers(), REMOTE_ID_HEADER: "https://evil.example"}, 403),
    ({k: v for k, v in assertion_headers().items() if k != REMOTE_ID_HEADER}, 400),
    ({REMOTE_ID_HEADER: "https://saml.test.example", "X-Fed-Mail": "x@y"}, 401),
    # The attributes must carry the configured prefix: unprefixed ones are not the assertion.
    ({REMOTE_ID_HEADER: "https://saml.test.example", "UserName": "mallory", "Mail": "m@x",
      "Groups": "staff"}, 401),
])
def test_untrusted_or_unmappable_assertions(fed: Fed, headers: dict[str, str],
                                            status: int) -> None:
    resp = fed.federated(headers=headers)
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] == status


def test_provider_and_protocol_checks(fed: Fed) -> None:
    admin = fed.admin()
    assert fed.federated(idp="nosuch").status_code == 401
    assert fed.federated("kerberos").status_code == 401
    fed.call("PUT", f"{F}/identity_providers/bare", admin,
             json={"identity_provider": {"enabled": True, "domain_id": "default"}})
    fed.call("PUT", f"{F}/identity_providers/bare/protocols/saml2", admin,
             json={"protocol": {"mapping_id": "saml"}})
    # Without registered remote ids nothing proves where the headers came from.
    assert fed.federated(idp="bare").status_code == 403
    unscoped = fed.federated().headers["X-Subject-Token"]
    fed.call("PATCH", f"{F}/identity_providers/testidp", admin,
             json={"identity_provider": {"enabled": False}})
    assert fed.federated().status_code == 403
    # Tokens from a disabled provider no longer validate.
    resp = fed.call("GET", "/auth/tokens", admin, headers={"X-Subject-Token": unscoped})
    assert resp.status_code == 404


def test_auth_tokens_with_mapped_method(fed: Fed) -> None:
    body = {"auth": {"identity": {"methods": ["mapped"], "mapped": {
        "identity_provider": "testidp", "protocol": "mapped"}},
        "scope": {"project": {"id": fed.project}}}}
    resp = fed.client.post("/identity/v3/auth/tokens", json=body, headers=assertion_headers())
    assert resp.status_code == 201, resp.text
    assert resp.json()["token"]["project"]["id"] == fed.project
    resp = fed.client.post("/identity/v3/auth/tokens", json=body)
    assert resp.status_code == 400


def test_deleting_the_provider_removes_its_users(fed: Fed) -> None:
    resp = fed.federated()
    user_id = resp.json()["token"]["user"]["id"]
    admin = fed.admin()
    assert fed.call("DELETE", f"{F}/identity_providers/testidp", admin).status_code == 204
    assert fed.call("GET", f"/users/{user_id}", admin).status_code == 404
    assert fed.call("GET", "/auth/tokens", admin, headers={
        "X-Subject-Token": resp.headers["X-Subject-Token"]}).status_code == 404


def test_websso(fed: Fed) -> None:
    path = f"{F}/identity_providers/testidp/protocols/saml2/websso"
    resp = fed.call("GET", f"/auth{path}?origin=https://dash.example/auth/websso/", None,
                    headers=assertion_headers())
    assert resp.status_code == 200, resp.text
    assert 'name="token"' in resp.text and "dash.example" in resp.text
    resp = fed.call("GET", f"/auth{path}?origin=https://evil.example/", None,
                    headers=assertion_headers())
    assert resp.status_code == 401
    resp = fed.call("GET", f"/auth{F}/websso/saml2?origin=https://dash.example/auth/websso/",
                    None, headers=assertion_headers())
    assert resp.status_code == 200


# -- OpenID Connect bearer tokens -----------------------------------------------------------
def test_oidc_bearer_token(fed: Fed) -> None:
    resp = fed.federated("openid", headers={"Authorization": f"Bearer {KEY.token()}"})
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert token["methods"] == ["openid"]
    assert token["user"]["name"] == "olivia"
    assert token["user"]["OS-FEDERATION"]["groups"] == [{"id": fed.staff}]
    scoped = fed.rescope(resp.headers["X-Subject-Token"], fed.project)
    assert scoped.status_code == 201
    # The access token may also come in the auth body.
    resp = fed.client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["openid"], "openid": {"identity_provider": "testidp",
                                          "access_token": KEY.token()}}}})
    assert resp.status_code == 201, resp.text


def _hs256() -> str:
    now = int(time.time())
    return jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60},
                      "secret" * 6, algorithm="HS256")


@pytest.mark.parametrize("make", [
    lambda: KEY.token(exp=int(time.time()) - 3600),
    lambda: KEY.token(aud="someone-else"),
    lambda: KEY.token(iss="https://rogue.example"),
    lambda: KEY.token(exp=None),
    lambda: IdpKey("RS256").token(),
    lambda: IdpKey("RS256", kid="other").token(),
    _hs256,
    lambda: "not-a-jwt",
    lambda: "",
], ids=["expired", "wrong-aud", "wrong-iss", "no-exp", "other-key", "unknown-kid", "hs256",
        "garbage", "empty"])
def test_oidc_rejects(fed: Fed, make: Any) -> None:
    resp = fed.federated("openid", headers={"Authorization": f"Bearer {make()}"})
    assert resp.status_code == 401, resp.text
    assert resp.json()["error"]["code"] == 401


def test_oidc_es256_key(tmp_path: Path) -> None:
    key = IdpKey("ES256", kid="ec")
    settings = load({"state_dir": str(tmp_path), "admin_password": "secret", "kdf_cost": 10,
                     "federation": {"openid": {"ec-idp": {
                         "jwks": key.jwks, "audience": AUDIENCE, "issuer": ISSUER}}}})
    cloud = Cloud(settings, services=["identity"])
    cloud.migrate()
    cloud.start()
    cloud.bootstrap()
    try:
        k = Keystone(TestClient(build_app(cloud), raise_server_exceptions=False), cloud)
        admin = k.admin()
        k.call("PUT", f"{F}/mappings/oidc", admin, json={"mapping": OIDC_MAPPING})
        k.call("PUT", f"{F}/identity_providers/ec-idp", admin,
               json={"identity_provider": {"enabled": True}})
        k.call("PUT", f"{F}/identity_providers/ec-idp/protocols/openid", admin,
               json={"protocol": {"mapping_id": "oidc"}})
        resp = k.call("POST", f"{F}/identity_providers/ec-idp/protocols/openid/auth", None,
                      headers={"Authorization": f"Bearer {key.token()}"})
        assert resp.status_code == 201, resp.text
        assert json.loads(resp.text)["token"]["user"]["name"] == "olivia"
    finally:
        cloud.stop()
