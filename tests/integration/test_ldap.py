"""A domain whose users and groups live in a real OpenLDAP, next to the SQL default domain.

Each module run starts its own ``slapd`` (``tests/support/ldap_server.py``); the domain reads it
through a ``keystone.<domain>.conf`` file. Assignments stay in SQL and name the LDAP entities'
public ids.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nimbus.conf.settings import load
from nimbus.core.api.app import build_app
from nimbus.core.cloud import Cloud
from tests.support.cloud_process import CloudProcess
from tests.support.ldap_server import LdapServer, running_slapd

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

COVERS = [
    ("identity", "LDAP domain: users and groups read from a directory"),
    ("identity", "LDAP domain: password auth by bind, tokens for LDAP users"),
    ("identity", "LDAP domain: SQL assignments on public ids (user and group)"),
    ("identity", "LDAP domain: writes refused (403)"),
    ("identity", "id mapping of LDAP ids to public ids"),
]

pytestmark = pytest.mark.integration
DOMAIN = "ldapdomain"


@pytest.fixture(scope="module")
def ldap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapServer]:
    with running_slapd(tmp_path_factory.mktemp("slapd")) as server:
        yield server


class Identity:
    """An in-process identity service with real tokens, and an LDAP-backed domain."""

    def __init__(self, client: TestClient, cloud: Cloud) -> None:
        self.client = client
        self.cloud = cloud
        self.admin = self.token("admin", "secret", "Default", project="admin")
        resp = self.call("POST", "/domains", self.admin, json={"domain": {"name": DOMAIN}})
        assert resp.status_code == 201, resp.text
        self.domain_id: str = resp.json()["domain"]["id"]

    def auth(self, user: str, password: str, domain: str,
             project: str | None = None) -> Any:
        body: dict[str, Any] = {"auth": {"identity": {"methods": ["password"], "password": {
            "user": {"name": user, "domain": {"name": domain}, "password": password}}}}}
        if project:
            body["auth"]["scope"] = {"project": {"name": project, "domain": {"name": "Default"}}}
        return self.client.post("/identity/v3/auth/tokens", json=body)

    def token(self, user: str, password: str, domain: str, project: str | None = None) -> str:
        resp = self.auth(user, password, domain, project)
        assert resp.status_code == 201, resp.text
        return str(resp.headers["X-Subject-Token"])

    def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        headers["X-Auth-Token"] = token or self.admin
        return self.client.request(method, "/identity/v3" + path, headers=headers, **kw)

    def get(self, path: str) -> Any:
        resp = self.call("GET", path)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def user_id(self, name: str) -> str:
        users = self.get(f"/users?domain_id={self.domain_id}&name={name}")["users"]
        assert len(users) == 1, users
        return str(users[0]["id"])

    def group_id(self, name: str) -> str:
        groups = self.get(f"/groups?domain_id={self.domain_id}&name={name}")["groups"]
        assert len(groups) == 1, groups
        return str(groups[0]["id"])

    def project_id(self, name: str) -> str:
        return str(self.get(f"/projects?name={name}")["projects"][0]["id"])

    def role_id(self, name: str) -> str:
        return str(self.get(f"/roles?name={name}")["roles"][0]["id"])


@pytest.fixture
def identity(tmp_path: Path, ldap: LdapServer) -> Iterator[Identity]:
    domains = tmp_path / "domains"
    domains.mkdir()
    (domains / f"keystone.{DOMAIN}.conf").write_text(ldap.conf_text())
    settings = load({"state_dir": str(tmp_path), "admin_password": "secret", "kdf_cost": 10})
    cloud = Cloud(settings, services=["identity"])
    cloud.migrate()
    cloud.start()
    cloud.bootstrap()
    try:
        yield Identity(TestClient(build_app(cloud), raise_server_exceptions=False), cloud)
    finally:
        cloud.runtimes["identity"].state.users.close()
        cloud.stop()


def test_users_and_groups_come_from_ldap(identity: Identity) -> None:
    users = identity.get(f"/users?domain_id={identity.domain_id}")["users"]
    assert [u["name"] for u in users] == ["alice", "bob", "carol"]
    alice = users[0]
    assert len(alice["id"]) == 64 and alice["id"] != "u1001"
    assert alice["domain_id"] == identity.domain_id
    assert alice["email"] == "alice@nimbus.test" and alice["enabled"] is True
    assert users[2]["enabled"] is False  # carol is not in the enabled-emulation group
    assert identity.get(f"/users/{alice['id']}")["user"]["name"] == "alice"
    enabled = identity.get(f"/users?domain_id={identity.domain_id}&enabled=false")["users"]
    assert [u["name"] for u in enabled] == ["carol"]

    dev = identity.group_id("developers")
    members = identity.get(f"/groups/{dev}/users")["users"]
    assert [u["name"] for u in members] == ["alice", "carol"]
    groups = identity.get(f"/users/{alice['id']}/groups")["groups"]
    assert {g["name"] for g in groups} == {"developers", "enabled"}
    assert identity.call("HEAD", f"/groups/{dev}/users/{alice['id']}").status_code == 204
    bob = identity.user_id("bob")
    assert identity.call("HEAD", f"/groups/{dev}/users/{bob}").status_code == 404

    # The default domain is still SQL and lists only its own users.
    names = {u["name"] for u in identity.get("/users")["users"]}
    assert "admin" in names and "alice" not in names
    assert identity.call("GET", "/users/" + "0" * 64).status_code == 404


def test_ldap_user_gets_a_project_token_from_a_sql_assignment(identity: Identity) -> None:
    alice = identity.user_id("alice")
    demo, member = identity.project_id("demo"), identity.role_id("member")
    assert identity.auth("alice", "alice-pw", DOMAIN, project="demo").status_code == 401
    resp = identity.call("PUT", f"/projects/{demo}/users/{alice}/roles/{member}")
    assert resp.status_code == 204, resp.text

    resp = identity.auth("alice", "alice-pw", DOMAIN, project="demo")
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert token["user"]["id"] == alice
    assert token["user"]["domain"] == {"id": identity.domain_id, "name": DOMAIN}
    assert token["project"]["id"] == demo
    assert "member" in {r["name"] for r in token["roles"]}
    subject = resp.headers["X-Subject-Token"]
    check = identity.call("GET", "/auth/tokens", headers={"X-Subject-Token": subject})
    assert check.status_code == 200 and check.json()["token"]["user"]["id"] == alice
    projects = identity.call("GET", "/auth/projects", subject).json()["projects"]
    assert [p["id"] for p in projects] == [demo]
    assignments = identity.get(f"/role_assignments?user.id={alice}")["role_assignments"]
    assert [a["scope"]["project"]["id"] for a in assignments] == [demo]


def test_ldap_group_membership_gives_roles(identity: Identity) -> None:
    operators = identity.group_id("operators")
    demo, reader = identity.project_id("demo"), identity.role_id("reader")
    resp = identity.call("PUT", f"/projects/{demo}/groups/{operators}/roles/{reader}")
    assert resp.status_code == 204, resp.text
    token = identity.auth("bob", "bob-pw", DOMAIN, project="demo").json()["token"]
    assert {r["name"] for r in token["roles"]} == {"reader"}
    # alice is not an operator.
    assert identity.auth("alice", "alice-pw", DOMAIN, project="demo").status_code == 401


def test_wrong_password_unknown_or_disabled_user_is_401(identity: Identity) -> None:
    assert identity.auth("alice", "wrong", DOMAIN).status_code == 401
    assert identity.auth("alice", "", DOMAIN).status_code in (400, 401)
    assert identity.auth("nobody", "x", DOMAIN).status_code == 401
    resp = identity.auth("carol", "carol-pw", DOMAIN)  # right password, but disabled
    assert resp.status_code == 401 and resp.json()["error"]["code"] == 401
    assert identity.auth("alice", "alice-pw", DOMAIN).status_code == 201


def test_writes_to_the_ldap_domain_are_forbidden(identity: Identity) -> None:
    alice, dev = identity.user_id("alice"), identity.group_id("developers")
    bob = identity.user_id("bob")
    attempts = [
        ("POST", "/users", {"user": {"name": "dave", "domain_id": identity.domain_id}}),
        ("PATCH", f"/users/{alice}", {"user": {"email": "new@nimbus.test"}}),
        ("DELETE", f"/users/{alice}", None),
        ("POST", "/groups", {"group": {"name": "new", "domain_id": identity.domain_id}}),
        ("PATCH", f"/groups/{dev}", {"group": {"description": "x"}}),
        ("DELETE", f"/groups/{dev}", None),
        ("PUT", f"/groups/{dev}/users/{bob}", None),
        ("DELETE", f"/groups/{dev}/users/{alice}", None),
    ]
    for method, path, body in attempts:
        resp = identity.call(method, path, json=body) if body else identity.call(method, path)
        assert resp.status_code == 403, (method, path, resp.text)
        assert resp.json()["error"]["code"] == 403
    token = identity.token("alice", "alice-pw", DOMAIN)
    resp = identity.call("POST", f"/users/{alice}/password", token, json={
        "user": {"original_password": "alice-pw", "password": "changed-pw"}})
    assert resp.status_code == 403, resp.text
    # Nothing changed in the directory.
    assert identity.get(f"/users/{alice}")["user"]["email"] == "alice@nimbus.test"
    # A SQL user cannot join an LDAP group either (membership across backends).
    sql_user = identity.call("POST", "/users", json={"user": {"name": "sqluser"}}).json()["user"]
    assert identity.call("PUT", f"/groups/{dev}/users/{sql_user['id']}").status_code == 403
    # Unknown ids stay 404, not 403.
    assert identity.call("DELETE", "/users/" + "a" * 64).status_code == 404


def test_sql_domain_works_side_by_side(identity: Identity) -> None:
    resp = identity.call("POST", "/users", json={"user": {"name": "sqlbob", "password": "pw-1"}})
    assert resp.status_code == 201, resp.text
    sql_bob = resp.json()["user"]
    assert sql_bob["domain_id"] == "default" and len(sql_bob["id"]) == 32
    resp = identity.call("POST", "/groups", json={"group": {"name": "sqlgroup"}})
    assert resp.status_code == 201
    group = resp.json()["group"]
    assert identity.call("PUT", f"/groups/{group['id']}/users/{sql_bob['id']}").status_code == 204
    assert [u["name"] for u in identity.get(f"/groups/{group['id']}/users")["users"]] == ["sqlbob"]
    assert identity.call("PATCH", f"/users/{sql_bob['id']}",
                         json={"user": {"email": "b@sql"}}).status_code == 200
    assert identity.auth("sqlbob", "pw-1", "Default").status_code == 201
    # The same name in both domains is two different users.
    assert identity.call("POST", "/users", json={"user": {"name": "bob"}}).status_code == 201
    ldap_bob = identity.user_id("bob")
    default_bob = identity.get("/users?name=bob&domain_id=default")["users"][0]["id"]
    assert ldap_bob != default_bob
    assert identity.token("admin", "secret", "Default", project="admin")
    assert identity.call("DELETE", f"/users/{sql_bob['id']}").status_code == 204


def test_public_ids_are_stable_and_mapped(identity: Identity) -> None:
    from nimbus.identity.manager.id_mapping import public_id_for

    alice = identity.user_id("alice")
    assert alice == public_id_for(identity.domain_id, "u1001", "user")
    st = identity.cloud.runtimes["identity"].state
    entity = st.users.mapping.lookup(alice)
    assert entity is not None and (entity.local_id, entity.entity_type) == ("u1001", "user")
    assert identity.group_id("developers") == public_id_for(identity.domain_id, "developers",
                                                            "group")


def test_domain_configured_through_the_config_api(identity: Identity, ldap: LdapServer) -> None:
    resp = identity.call("POST", "/domains", json={"domain": {"name": "apidomain"}})
    domain_id = resp.json()["domain"]["id"]
    config = {"identity": {"driver": "ldap"}, "ldap": ldap.options()}
    resp = identity.call("PUT", f"/domains/{domain_id}/config", json={"config": config})
    assert resp.status_code == 201, resp.text
    users = identity.get(f"/users?domain_id={domain_id}")["users"]
    assert [u["name"] for u in users] == ["alice", "bob", "carol"]
    # Same directory, another domain: other public ids.
    assert users[0]["id"] != identity.user_id("alice")
    assert identity.auth("alice", "alice-pw", "apidomain").status_code == 201
    assert identity.call("POST", "/users", json={"user": {
        "name": "dave", "domain_id": domain_id}}).status_code == 403

    # Without its configuration the domain is SQL again (and empty).
    assert identity.call("DELETE", f"/domains/{domain_id}/config").status_code == 204
    identity.cloud.runtimes["identity"].state.users.domain_config_changed(domain_id)
    assert identity.get(f"/users?domain_id={domain_id}")["users"] == []
    assert identity.call("GET", f"/users/{users[0]['id']}").status_code == 404


def test_unreachable_or_misconfigured_directory_is_503(identity: Identity,
                                                        ldap: LdapServer) -> None:
    from tests.support.cloud_process import free_port

    broken = {"down": dict(ldap.options(), url=f"ldap://127.0.0.1:{free_port()}"),
              "bad": dict(ldap.options(), query_scope="everywhere")}
    for name, options in broken.items():
        domain_id = identity.call("POST", "/domains", json={"domain": {"name": name}}).json()[
            "domain"]["id"]
        resp = identity.call("PUT", f"/domains/{domain_id}/config", json={"config": {
            "identity": {"driver": "ldap"}, "ldap": options}})
        assert resp.status_code == 201, resp.text
        resp = identity.call("GET", f"/users?domain_id={domain_id}")
        assert resp.status_code == 503 and resp.json()["error"]["code"] == 503, resp.text
        assert identity.auth("alice", "alice-pw", name).status_code == 503
    # The other domains are unaffected.
    assert identity.get(f"/users?domain_id={identity.domain_id}")["users"]
    assert identity.token("admin", "secret", "Default", project="admin")


def test_ldap_options_parse_keystone_values() -> None:
    from nimbus.identity.drivers.ldap_options import LdapOptionError, LdapOptions

    options = LdapOptions.from_mapping({"url": "ldaps://dir", "page_size": "50",
                                        "group_members_are_ids": "True", "user": None,
                                        "pool_size": 10, "suffix": "dc=x"})
    assert options.page_size == 50 and options.group_members_are_ids is True
    assert options.users_dn == "ou=Users,dc=x" and options.groups_dn == "ou=UserGroups,dc=x"
    assert options.enabled_emulation_dn == "cn=enabled_users,ou=Users,dc=x"
    for bad in ({"page_size": "many"}, {"use_tls": "perhaps"}, {"url": "http://dir"}):
        with pytest.raises(LdapOptionError):
            LdapOptions.from_mapping(bad)


@pytest.mark.functional
def test_openstack_cli_against_an_ldap_domain(tmp_path: Path, ldap: LdapServer) -> None:
    state = tmp_path / "state"
    (state / "domains").mkdir(parents=True)
    (state / "domains" / f"keystone.{DOMAIN}.conf").write_text(ldap.conf_text())
    cloud = CloudProcess(state).start()
    try:
        cloud.openstack("domain", "create", DOMAIN)
        users = cloud.openstack_json("user", "list", "--domain", DOMAIN)
        assert sorted(u["Name"] for u in users) == ["alice", "bob", "carol"]
        cloud.openstack("role", "add", "--user", "alice", "--user-domain", DOMAIN,
                        "--project", "demo", "member")
        issued = cloud.openstack_json(
            "--os-username", "alice", "--os-user-domain-name", DOMAIN, "--os-password",
            "alice-pw", "--os-project-name", "demo", "--os-project-domain-name", "Default",
            "token", "issue")
        alice = next(u["ID"] for u in users if u["Name"] == "alice")
        assert issued["user_id"] == alice and issued["project_id"]
        denied = cloud.openstack("user", "create", "--domain", DOMAIN, "dave", check=False)
        assert denied.returncode != 0 and "403" in denied.stderr
        assert cloud.server_errors() == []
    finally:
        cloud.stop()
