"""Domain-specific configuration (/v3/domains/{id}/config) and its defaults."""

from __future__ import annotations

from tests.unit.identity.conftest import Keystone
from tests.unit.identity.delegation_helpers import login, make_project, make_user

COVERS = [
    ("identity", "domain config create/show/update/delete (group, option)"),
    ("identity", "domain config defaults"),
]

CONFIG = {"identity": {"driver": "ldap"},
          "ldap": {"url": "ldap://myldap.com:389/", "user_tree_dn": "ou=Users,dc=org",
                   "password": "hidden"}}


def _domain(ks: Keystone, admin: str) -> str:
    resp = ks.call("POST", "/domains", admin, json={"domain": {"name": "cfg-domain"}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["domain"]["id"])


def test_lifecycle(keystone: Keystone) -> None:
    admin = keystone.admin()
    did = _domain(keystone, admin)
    base = f"/domains/{did}/config"
    assert keystone.call("GET", base, admin).status_code == 404
    resp = keystone.call("PUT", base, admin, json={"config": CONFIG})
    assert resp.status_code == 201, resp.text
    shown = resp.json()["config"]
    # The bind password is kept for the driver but never shown.
    assert shown == {"identity": {"driver": "ldap"},
                     "ldap": {"url": "ldap://myldap.com:389/", "user_tree_dn": "ou=Users,dc=org"}}
    state = keystone.cloud.runtimes["identity"].state
    assert state.domain_configs.effective(did)["ldap"]["password"] == "hidden"
    assert keystone.call("PUT", base, admin, json={"config": CONFIG}).status_code == 200
    assert keystone.call("GET", f"{base}/ldap", admin).json()["config"]["ldap"]["url"]
    assert keystone.call("GET", f"{base}/ldap/url", admin).json() == {
        "config": {"url": "ldap://myldap.com:389/"}}
    resp = keystone.call("PATCH", f"{base}/identity", admin,
                         json={"config": {"identity": {"driver": "sql", "list_limit": 7}}})
    assert resp.status_code == 200 and resp.json()["config"]["identity"] == {
        "driver": "sql", "list_limit": 7}
    resp = keystone.call("PATCH", f"{base}/identity/driver", admin,
                         json={"config": {"driver": "ldap"}})
    assert resp.json()["config"]["identity"]["driver"] == "ldap"
    assert keystone.call("DELETE", f"{base}/identity/driver", admin).status_code == 204
    assert keystone.call("GET", f"{base}/identity/driver", admin).status_code == 404
    assert keystone.call("DELETE", f"{base}/identity", admin).status_code == 204
    assert keystone.call("GET", f"{base}/identity", admin).status_code == 404
    assert keystone.call("DELETE", base, admin).status_code == 204
    assert keystone.call("GET", base, admin).status_code == 404


def test_validation(keystone: Keystone) -> None:
    admin = keystone.admin()
    did = _domain(keystone, admin)
    base = f"/domains/{did}/config"
    for bad in ({"assignment": {"driver": "sql"}}, {"ldap": {"colour": "red"}}, {},
                {"ldap": {}}):
        resp = keystone.call("PUT", base, admin, json={"config": bad})
        assert resp.status_code == 403, (bad, resp.text)
    assert keystone.call("PUT", base, admin, json={"nope": {}}).status_code == 400
    assert keystone.call("PUT", "/domains/missing/config", admin,
                         json={"config": CONFIG}).status_code == 404
    keystone.call("PUT", base, admin, json={"config": CONFIG})
    # A group update names that group only; an option update that option only.
    resp = keystone.call("PATCH", f"{base}/identity", admin,
                         json={"config": {"ldap": {"url": "ldap://x"}}})
    assert resp.status_code == 403
    resp = keystone.call("PATCH", f"{base}/ldap/url", admin,
                         json={"config": {"user_tree_dn": "x"}})
    assert resp.status_code == 403


def test_defaults_and_protection(keystone: Keystone) -> None:
    admin = keystone.admin()
    defaults = keystone.call("GET", "/domains/config/default", admin).json()["config"]
    assert defaults["identity"]["driver"] == "sql" and "password" not in defaults["ldap"]
    group = keystone.call("GET", "/domains/config/ldap/default", admin).json()["config"]
    assert group["ldap"]["user_objectclass"] == "inetOrgPerson"
    for option in group["ldap"]:
        resp = keystone.call("GET", f"/domains/config/ldap/{option}/default", admin)
        assert resp.status_code == 200 and option in resp.json()["config"]
    assert keystone.call("GET", "/domains/config/ldap/password/default", admin).status_code == 403
    assert keystone.call("GET", "/domains/config/pets/default", admin).status_code == 403
    project = make_project(keystone, admin)
    member = login(keystone, make_user(keystone, admin, project, "member"), project)[0]
    did = _domain(keystone, admin)
    assert keystone.call("PUT", f"/domains/{did}/config", member,
                         json={"config": CONFIG}).status_code == 403
    assert keystone.call("GET", "/domains/config/default", member).status_code == 403
