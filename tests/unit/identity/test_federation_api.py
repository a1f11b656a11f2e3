"""OS-FEDERATION resources: identity providers, protocols, mappings, service providers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.identity.conftest import Keystone
from tests.unit.identity.federation_helpers import MAPPING

COVERS = [
    ("identity", "OS-FEDERATION identity providers CRUD (auto domain, remote_ids)"),
    ("identity", "OS-FEDERATION protocols CRUD"),
    ("identity", "OS-FEDERATION mappings CRUD with rule validation"),
    ("identity", "OS-FEDERATION service providers CRUD"),
    ("identity", "OS-FEDERATION admin-only management (per persona)"),
]
F = "/OS-FEDERATION"


def test_identity_provider_lifecycle(keystone: Keystone) -> None:
    admin = keystone.admin()
    resp = keystone.call("PUT", f"{F}/identity_providers/acme", admin, json={
        "identity_provider": {"remote_ids": ["https://acme/idp", "urn:acme"],
                              "description": "ACME", "enabled": True}})
    assert resp.status_code == 201, resp.text
    idp = resp.json()["identity_provider"]
    assert idp["id"] == "acme" and idp["enabled"] is True and idp["authorization_ttl"] is None
    assert sorted(idp["remote_ids"]) == ["https://acme/idp", "urn:acme"]
    assert idp["links"]["protocols"].endswith("/v3/OS-FEDERATION/identity_providers/acme/protocols")
    # As Keystone: without a domain_id, the provider gets a domain of its own.
    domain = keystone.call("GET", f"/domains/{idp['domain_id']}", admin).json()["domain"]
    assert domain["name"] == "acme"

    resp = keystone.call("PUT", f"{F}/identity_providers/acme", admin,
                         json={"identity_provider": {}})
    assert resp.status_code == 409
    resp = keystone.call("PUT", f"{F}/identity_providers/other", admin, json={
        "identity_provider": {"remote_ids": ["urn:acme"], "domain_id": "default"}})
    assert resp.status_code == 409 and "urn:acme" in resp.json()["error"]["message"]
    resp = keystone.call("PUT", f"{F}/identity_providers/other", admin, json={
        "identity_provider": {"domain_id": "default", "authorization_ttl": 60}})
    assert resp.status_code == 201
    other = resp.json()["identity_provider"]
    assert other["domain_id"] == "default" and other["enabled"] is False
    assert other["authorization_ttl"] == 60

    listed = keystone.call("GET", f"{F}/identity_providers", admin).json()
    assert [i["id"] for i in listed["identity_providers"]] == ["acme", "other"]
    enabled = keystone.call("GET", f"{F}/identity_providers?enabled=true", admin).json()
    assert [i["id"] for i in enabled["identity_providers"]] == ["acme"]

    resp = keystone.call("PATCH", f"{F}/identity_providers/acme", admin, json={
        "identity_provider": {"remote_ids": ["urn:new"], "enabled": False}})
    assert resp.status_code == 200
    assert resp.json()["identity_provider"]["remote_ids"] == ["urn:new"]
    resp = keystone.call("PATCH", f"{F}/identity_providers/acme", admin, json={
        "identity_provider": {"domain_id": "default"}})
    assert resp.status_code == 400

    assert keystone.call("DELETE", f"{F}/identity_providers/acme", admin).status_code == 204
    resp = keystone.call("GET", f"{F}/identity_providers/acme", admin)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == 404


def test_protocols_and_mappings(keystone: Keystone) -> None:
    admin = keystone.admin()
    keystone.call("PUT", f"{F}/identity_providers/acme", admin, json={"identity_provider": {}})
    resp = keystone.call("PUT", f"{F}/identity_providers/acme/protocols/saml2", admin,
                         json={"protocol": {"mapping_id": "nope"}})
    assert resp.status_code == 404
    resp = keystone.call("PUT", f"{F}/mappings/m1", admin, json={"mapping": MAPPING})
    assert resp.status_code == 201, resp.text
    assert resp.json()["mapping"]["schema_version"] == "1.0"
    assert resp.json()["mapping"]["rules"] == MAPPING["rules"]
    resp = keystone.call("PUT", f"{F}/identity_providers/acme/protocols/saml2", admin,
                         json={"protocol": {"mapping_id": "m1", "remote_id_attribute": "Idp"}})
    assert resp.status_code == 201
    proto = resp.json()["protocol"]
    assert proto == {"id": "saml2", "mapping_id": "m1", "remote_id_attribute": "Idp",
                     "links": proto["links"]}
    assert proto["links"]["identity_provider"].endswith("/identity_providers/acme")
    resp = keystone.call("PUT", f"{F}/identity_providers/acme/protocols/saml2", admin,
                         json={"protocol": {"mapping_id": "m1"}})
    assert resp.status_code == 409
    listed = keystone.call("GET", f"{F}/identity_providers/acme/protocols", admin).json()
    assert [p["id"] for p in listed["protocols"]] == ["saml2"]
    keystone.call("PUT", f"{F}/mappings/m2", admin, json={"mapping": MAPPING})
    resp = keystone.call("PATCH", f"{F}/identity_providers/acme/protocols/saml2", admin,
                         json={"protocol": {"mapping_id": "m2"}})
    assert resp.json()["protocol"]["mapping_id"] == "m2"
    assert keystone.call("GET", f"{F}/identity_providers/acme/protocols/oidc",
                         admin).status_code == 404
    assert keystone.call("GET", f"{F}/identity_providers/zzz/protocols",
                         admin).status_code == 404

    new_rules = {"rules": [{"local": [{"user": {"name": "{0}"}}],
                            "remote": [{"type": "REMOTE_USER"}]}]}
    resp = keystone.call("PATCH", f"{F}/mappings/m1", admin, json={"mapping": new_rules})
    assert resp.status_code == 200 and resp.json()["mapping"]["rules"] == new_rules["rules"]
    mappings = keystone.call("GET", f"{F}/mappings", admin).json()["mappings"]
    assert [m["id"] for m in mappings] == ["m1", "m2"]
    assert keystone.call("DELETE", f"{F}/identity_providers/acme/protocols/saml2",
                         admin).status_code == 204
    assert keystone.call("DELETE", f"{F}/mappings/m1", admin).status_code == 204
    assert keystone.call("GET", f"{F}/mappings/m1", admin).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"mapping": {"rules": [{"local": [], "remote": [{"type": "a"}]}]}}, "rules.0.local"),
    ({"mapping": {"rules": [{"local": [{"user": {"name": "{3}"}}],
                             "remote": [{"type": "a"}]}]}}, "rules.0.local"),
    ({"mapping": {"rules": "all"}}, "rules"),
    ({"mapping": {}}, "rules"),
    ({"rules": []}, "mapping"),
])
def test_mapping_bad_input(keystone: Keystone, body: dict[str, Any], field: str) -> None:
    resp = keystone.call("PUT", f"{F}/mappings/bad", keystone.admin(), json=body)
    assert resp.status_code == 400
    assert field in resp.json()["error"]["message"]


def test_bad_bodies(keystone: Keystone) -> None:
    admin = keystone.admin()
    resp = keystone.call("PUT", f"{F}/identity_providers/x", admin, content=b"{oops",
                         headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    resp = keystone.call("PUT", f"{F}/identity_providers/x", admin,
                         json={"identity_provider": {"remote_ids": "one"}})
    assert resp.status_code == 400 and "remote_ids" in resp.json()["error"]["message"]
    resp = keystone.call("PUT", f"{F}/identity_providers/x", admin,
                         json={"identity_provider": {"domain_id": "missing"}})
    assert resp.status_code == 404
    resp = keystone.call("PUT", f"{F}/identity_providers/{'x' * 65}", admin,
                         json={"identity_provider": {}})
    assert resp.status_code == 400
    resp = keystone.call("PUT", f"{F}/identity_providers/x", admin,
                         json={"identity_provider": {"bogus": 1}})
    assert resp.status_code == 400


def test_service_providers(keystone: Keystone) -> None:
    admin = keystone.admin()
    sp = {"auth_url": "https://sp/identity/v3/OS-FEDERATION/identity_providers/us/protocols/"
                      "saml2/auth", "sp_url": "https://sp/Shibboleth.sso/SAML2/ECP"}
    resp = keystone.call("PUT", f"{F}/service_providers/sp1", admin,
                         json={"service_provider": {"auth_url": sp["auth_url"]}})
    assert resp.status_code == 400 and "sp_url" in resp.json()["error"]["message"]
    resp = keystone.call("PUT", f"{F}/service_providers/sp1", admin,
                         json={"service_provider": {**sp, "sp_url": "not a url"}})
    assert resp.status_code == 400
    resp = keystone.call("PUT", f"{F}/service_providers/sp1", admin,
                         json={"service_provider": sp})
    assert resp.status_code == 201
    body = resp.json()["service_provider"]
    assert body["relay_state_prefix"] == "ss:mem:" and body["enabled"] is False
    assert body["links"]["self"].endswith("/v3/OS-FEDERATION/service_providers/sp1")
    resp = keystone.call("PATCH", f"{F}/service_providers/sp1", admin,
                         json={"service_provider": {"enabled": True,
                                                    "relay_state_prefix": "ss:other:"}})
    assert resp.json()["service_provider"]["relay_state_prefix"] == "ss:other:"
    listed = keystone.call("GET", f"{F}/service_providers", admin).json()["service_providers"]
    assert [s["id"] for s in listed] == ["sp1"]
    assert keystone.call("DELETE", f"{F}/service_providers/sp1", admin).status_code == 204
    assert keystone.call("DELETE", f"{F}/service_providers/sp1", admin).status_code == 404


@pytest.fixture
def member(keystone: Keystone) -> str:
    return keystone.token("demo", keystone.cloud.secrets["demo_password"], "demo")


@pytest.mark.parametrize("method, path, body", [
    ("PUT", "/identity_providers/x", {"identity_provider": {}}),
    ("PATCH", "/identity_providers/x", {"identity_provider": {"enabled": True}}),
    ("DELETE", "/identity_providers/x", None),
    ("GET", "/identity_providers", None),
    ("PUT", "/mappings/m", {"mapping": MAPPING}),
    ("GET", "/mappings", None),
    ("PUT", "/identity_providers/x/protocols/saml2", {"protocol": {"mapping_id": "m"}}),
    ("GET", "/identity_providers/x/protocols", None),
    ("PUT", "/service_providers/s", {"service_provider": {"auth_url": "https://a",
                                                          "sp_url": "https://b"}}),
    ("GET", "/service_providers", None),
])
def test_only_admins_manage_federation(keystone: Keystone, member: str, method: str, path: str,
                                       body: Any) -> None:
    resp = keystone.call(method, F + path, member, json=body)
    assert resp.status_code == 403, resp.text
    assert keystone.call(method, F + path, None, json=body).status_code == 401
