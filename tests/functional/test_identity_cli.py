"""The unmodified `openstack` CLI across the identity API, against `nimbus up`.

One test per area, so that a gap in one does not hide the others. Where a feature is not there
yet, ``gap()`` runs the command anyway and turns a failure into an xfail naming the gap: when the
feature arrives the test passes on its own, which is how the gap shows up as fixed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.cloud_process import CloudProcess

COVERS = [
    ("identity", "openstack domain create/list/show/set/delete"),
    ("identity", "openstack project create/list/show/set/delete"),
    ("identity", "openstack user create/list/show/set/delete"),
    ("identity", "openstack group create/add user/contains user/remove user/delete"),
    ("identity", "openstack role create/list/show/set/delete"),
    ("identity", "openstack role add/remove, role assignment list --names --effective"),
    ("identity", "openstack implied role create/list/delete"),
    ("identity", "openstack application credential create/list/show/delete, auth with it"),
    ("identity", "openstack application credential create with a generated secret"),
    ("identity", "openstack trust create/list/show/delete, trust-scoped token"),
    ("identity", "openstack credential create/list/show/set/delete"),
    ("identity", "openstack region create/list/show/set/delete"),
    ("identity", "openstack service create/list/show/set/delete"),
    ("identity", "openstack endpoint create/list/show/set/delete"),
    ("identity", "openstack registered limit / limit create/list/show/set/delete"),
    ("identity", "openstack identity provider / mapping / federation protocol CRUD"),
    ("identity", "openstack token issue/revoke"),
]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("identity-cli") / "state"
    proc = CloudProcess(state).start()
    try:
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def os_(cloud: CloudProcess, *args: str, as_: str = "nimbus") -> Any:
    return cloud.openstack_json(*args, cloud=as_)


def run(cloud: CloudProcess, *args: str, as_: str = "nimbus") -> str:
    return cloud.openstack(*args, cloud=as_).stdout


def gap(cloud: CloudProcess, reason: str, *args: str, as_: str = "nimbus",
        json_out: bool = True) -> Any:
    """Run a command that needs a feature still being built; xfail with ``reason`` if it fails."""
    argv = [*args, "-f", "json"] if json_out else list(args)
    result = cloud.openstack(*argv, cloud=as_, check=False)
    if result.returncode != 0:
        pytest.xfail(f"{reason}: openstack {' '.join(args)} -> {result.stderr.strip()[-300:]}")
    if json_out:
        return json.loads(result.stdout) if result.stdout.strip() else None
    return result.stdout


def add_cloud(cloud: CloudProcess, name: str, auth: dict[str, Any],
              auth_type: str | None = None) -> None:
    """Another entry in the cloud's clouds.yaml (another user, an application credential...)."""
    path = cloud.state_dir / "clouds.yaml"
    data = yaml.safe_load(path.read_text())
    base = data["clouds"]["nimbus"]
    entry: dict[str, Any] = {k: v for k, v in base.items() if k != "auth"}
    entry["auth"] = {"auth_url": base["auth"]["auth_url"], **auth}
    if auth_type:
        entry["auth_type"] = auth_type
    data["clouds"][name] = entry
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def names(rows: list[dict[str, Any]], key: str = "Name") -> set[str]:
    return {r[key] for r in rows}


# -- resources --------------------------------------------------------------------------------
def test_domains(cloud: CloudProcess) -> None:
    name = _name("dom")
    dom = os_(cloud, "domain", "create", "--description", "cli test", name)
    assert dom["name"] == name and dom["enabled"] is True
    assert name in names(os_(cloud, "domain", "list"))
    run(cloud, "domain", "set", "--description", "changed", "--disable", name)
    shown = os_(cloud, "domain", "show", dom["id"])
    assert shown["description"] == "changed" and shown["enabled"] is False
    run(cloud, "domain", "delete", name)
    assert name not in names(os_(cloud, "domain", "list"))


def test_projects(cloud: CloudProcess) -> None:
    dom = os_(cloud, "domain", "create", _name("pdom"))
    parent = os_(cloud, "project", "create", "--domain", dom["id"], _name("parent"))
    child = os_(cloud, "project", "create", "--domain", dom["id"], "--parent", parent["id"],
                "--property", "tier=gold", _name("child"))
    assert child["parent_id"] == parent["id"] and child["domain_id"] == dom["id"]
    listed = os_(cloud, "project", "list", "--domain", dom["id"])
    assert names(listed) == {parent["name"], child["name"]}
    run(cloud, "project", "set", "--description", "d2", "--disable", child["id"])
    shown = os_(cloud, "project", "show", child["id"])
    assert shown["description"] == "d2" and shown["enabled"] is False
    run(cloud, "project", "delete", child["id"])
    run(cloud, "project", "delete", parent["id"])
    run(cloud, "domain", "set", "--disable", dom["id"])
    run(cloud, "domain", "delete", dom["id"])


def test_users(cloud: CloudProcess) -> None:
    project = os_(cloud, "project", "create", _name("uproj"))
    name = _name("user")
    user = os_(cloud, "user", "create", "--password", "pw-Secret-1", "--email", "u@example.org",
               "--project", project["id"], name)
    assert user["name"] == name and user["default_project_id"] == project["id"]
    assert name in names(os_(cloud, "user", "list"))
    run(cloud, "user", "set", "--email", "v@example.org", "--description", "desc", user["id"])
    shown = os_(cloud, "user", "show", user["id"])
    assert shown["email"] == "v@example.org"
    run(cloud, "role", "add", "--project", project["id"], "--user", user["id"], "member")
    add_cloud(cloud, "cli-user", {"username": name, "password": "pw-Secret-1",
                                  "project_id": project["id"], "user_domain_name": "Default"})
    token = os_(cloud, "token", "issue", as_="cli-user")
    assert token["user_id"] == user["id"] and token["project_id"] == project["id"]
    run(cloud, "user", "set", "--disable", user["id"])
    assert cloud.openstack("token", "issue", cloud="cli-user", check=False).returncode != 0
    run(cloud, "user", "delete", user["id"])
    run(cloud, "project", "delete", project["id"])


def test_groups(cloud: CloudProcess) -> None:
    user = os_(cloud, "user", "create", "--password", "pw-g-1", _name("guser"))
    group = os_(cloud, "group", "create", "--description", "g", _name("group"))
    run(cloud, "group", "add", "user", group["id"], user["id"])
    out = run(cloud, "group", "contains", "user", group["id"], user["id"])
    assert f"{user['id']} in group {group['id']}" in out
    members = os_(cloud, "user", "list", "--group", group["id"])
    assert names(members) == {user["name"]}
    groups = os_(cloud, "group", "list", "--user", user["id"])
    assert names(groups) == {group["name"]}
    run(cloud, "group", "set", "--description", "g2", group["id"])
    assert os_(cloud, "group", "show", group["id"])["description"] == "g2"
    run(cloud, "group", "remove", "user", group["id"], user["id"])
    assert os_(cloud, "user", "list", "--group", group["id"]) == []
    run(cloud, "group", "delete", group["id"])
    run(cloud, "user", "delete", user["id"])


def test_roles(cloud: CloudProcess) -> None:
    name = _name("role")
    role = os_(cloud, "role", "create", "--description", "r", name)
    assert role["name"] == name
    assert name in names(os_(cloud, "role", "list"))
    run(cloud, "role", "set", "--description", "r2", role["id"])
    assert os_(cloud, "role", "show", role["id"])["description"] == "r2"
    dom = os_(cloud, "domain", "create", _name("rdom"))
    scoped = os_(cloud, "role", "create", "--domain", dom["id"], _name("drole"))
    assert scoped["domain_id"] == dom["id"]
    assert names(os_(cloud, "role", "list", "--domain", dom["id"])) == {scoped["name"]}
    run(cloud, "role", "delete", scoped["id"])
    run(cloud, "role", "delete", role["id"])
    run(cloud, "domain", "set", "--disable", dom["id"])
    run(cloud, "domain", "delete", dom["id"])


def test_role_assignments(cloud: CloudProcess) -> None:
    project = os_(cloud, "project", "create", _name("aproj"))
    user = os_(cloud, "user", "create", "--password", "pw-a-1", _name("auser"))
    group = os_(cloud, "group", "create", _name("agroup"))
    run(cloud, "group", "add", "user", group["id"], user["id"])
    run(cloud, "role", "add", "--project", project["id"], "--user", user["id"], "member")
    run(cloud, "role", "add", "--project", project["id"], "--group", group["id"], "reader")
    run(cloud, "role", "add", "--domain", "default", "--user", user["id"], "reader")
    direct = os_(cloud, "role", "assignment", "list", "--names", "--user", user["id"])
    assert {(r["Role"], r["Project"] or r["Domain"]) for r in direct} == {
        ("member", f"{project['name']}@Default"), ("reader", "Default")}
    effective = os_(cloud, "role", "assignment", "list", "--names", "--effective",
                    "--user", user["id"], "--project", project["id"])
    roles = {r["Role"] for r in effective}
    assert {"member", "reader"} <= roles  # member directly, reader through the group
    assert all(r["User"] == f"{user['name']}@Default" for r in effective)
    by_project = os_(cloud, "role", "assignment", "list", "--project", project["id"], "--names")
    assert {r["Group"] for r in by_project if r["Group"]} == {f"{group['name']}@Default"}
    run(cloud, "role", "remove", "--project", project["id"], "--user", user["id"], "member")
    run(cloud, "role", "remove", "--project", project["id"], "--group", group["id"], "reader")
    run(cloud, "role", "remove", "--domain", "default", "--user", user["id"], "reader")
    assert os_(cloud, "role", "assignment", "list", "--user", user["id"]) == []
    for kind, ident in (("user", user["id"]), ("group", group["id"]),
                        ("project", project["id"])):
        run(cloud, kind, "delete", ident)


def test_implied_roles(cloud: CloudProcess) -> None:
    prior = os_(cloud, "role", "create", _name("prior"))
    implied = os_(cloud, "role", "create", _name("implied"))
    rule = os_(cloud, "implied", "role", "create", "--implied-role", implied["id"], prior["id"])
    assert rule["prior_role"] == prior["id"] and rule["implies"] == implied["id"]
    rules = os_(cloud, "implied", "role", "list")
    assert any(r["Prior Role ID"] == prior["id"] and r["Implied Role ID"] == implied["id"]
               for r in rules)
    # An effective assignment of the prior role carries the implied one.
    project = os_(cloud, "project", "create", _name("iproj"))
    user = os_(cloud, "user", "create", "--password", "pw-i-1", _name("iuser"))
    run(cloud, "role", "add", "--project", project["id"], "--user", user["id"], prior["id"])
    effective = os_(cloud, "role", "assignment", "list", "--effective", "--names",
                    "--user", user["id"])
    assert {prior["name"], implied["name"]} <= {r["Role"] for r in effective}
    run(cloud, "implied", "role", "delete", "--implied-role", implied["id"], prior["id"])
    rules = os_(cloud, "implied", "role", "list")
    assert not any(r["Prior Role ID"] == prior["id"] for r in rules)
    for kind, ident in (("user", user["id"]), ("project", project["id"]),
                        ("role", prior["id"]), ("role", implied["id"])):
        run(cloud, kind, "delete", ident)


# -- delegation -------------------------------------------------------------------------------
def test_application_credentials(cloud: CloudProcess) -> None:
    name = _name("appcred")
    cred = os_(cloud, "application", "credential", "create", "--role", "admin", "--secret",
               "cli-s3cret", "--description", "cli", name)
    assert cred["Name"] == name and cred["Secret"] == "cli-s3cret"
    assert name in names(os_(cloud, "application", "credential", "list"))
    shown = os_(cloud, "application", "credential", "show", cred["ID"])
    assert shown["Description"] == "cli" and [r["name"] for r in shown["Roles"]] == ["admin"]
    add_cloud(cloud, "cli-appcred", {"application_credential_id": cred["ID"],
                                     "application_credential_secret": "cli-s3cret"},
              auth_type="v3applicationcredential")
    token = os_(cloud, "token", "issue", as_="cli-appcred")
    assert token["project_id"] == os_(cloud, "token", "issue")["project_id"]
    assert os_(cloud, "project", "list", as_="cli-appcred")
    run(cloud, "application", "credential", "delete", cred["ID"])
    assert cloud.openstack("token", "issue", cloud="cli-appcred", check=False).returncode != 0


def test_application_credential_generated_secret(cloud: CloudProcess) -> None:
    # Without --secret the CLI sends "secret": null and the server makes one up.
    name = _name("appcred-gen")
    cred = gap(cloud, "application credential create without --secret (the CLI sends "
               "'secret': null)", "application", "credential", "create", "--role", "admin", name)
    assert cred["Name"] == name and cred["Secret"]
    run(cloud, "application", "credential", "delete", cred["ID"])


def test_trusts(cloud: CloudProcess) -> None:
    trustee = os_(cloud, "user", "create", "--password", "pw-t-1", _name("trustee"))
    admin_project = os_(cloud, "token", "issue")["project_id"]
    trust = gap(cloud, "OS-TRUST trusts", "trust", "create", "--project", admin_project,
                "--role", "member", "--impersonate", "admin", trustee["id"])
    assert trust["trustee_user_id"] == trustee["id"]
    assert trust["id"] in {t["ID"] for t in os_(cloud, "trust", "list")}
    assert os_(cloud, "trust", "show", trust["id"])["is_impersonation"] is True
    add_cloud(cloud, "cli-trust", {"username": trustee["name"], "password": "pw-t-1",
                                   "user_domain_name": "Default", "trust_id": trust["id"]})
    token = gap(cloud, "trust-scoped tokens", "token", "issue", as_="cli-trust")
    assert token["project_id"] == admin_project
    run(cloud, "trust", "delete", trust["id"])
    assert trust["id"] not in {t["ID"] for t in os_(cloud, "trust", "list")}
    run(cloud, "user", "delete", trustee["id"])


def test_credentials(cloud: CloudProcess) -> None:
    user = os_(cloud, "user", "create", "--password", "pw-c-1", _name("cuser"))
    project = os_(cloud, "token", "issue")["project_id"]
    blob = json.dumps({"access": "a" * 16, "secret": "s" * 16})
    cred = gap(cloud, "credentials API", "credential", "create", "--type", "ec2",
               "--project", project, user["id"], blob)
    assert cred["type"] == "ec2" and cred["user_id"] == user["id"]
    assert cred["id"] in {c["ID"] for c in os_(cloud, "credential", "list")}
    run(cloud, "credential", "set", "--user", user["id"], "--type", "cert", "--data", "cert-data",
        cred["id"])
    shown = os_(cloud, "credential", "show", cred["id"])
    assert shown["type"] == "cert" and shown["blob"] == "cert-data"
    run(cloud, "credential", "delete", cred["id"])
    assert cred["id"] not in {c["ID"] for c in os_(cloud, "credential", "list")}
    run(cloud, "user", "delete", user["id"])


# -- catalog ----------------------------------------------------------------------------------
def test_regions(cloud: CloudProcess) -> None:
    parent = os_(cloud, "region", "create", "--description", "p", _name("Region"))
    child = os_(cloud, "region", "create", "--parent-region", parent["region"], _name("Sub"))
    assert child["parent_region"] == parent["region"]
    listed = {r["Region"] for r in os_(cloud, "region", "list")}
    assert {parent["region"], child["region"], "RegionOne"} <= listed
    run(cloud, "region", "set", "--description", "p2", parent["region"])
    assert os_(cloud, "region", "show", parent["region"])["description"] == "p2"
    run(cloud, "region", "delete", child["region"])
    run(cloud, "region", "delete", parent["region"])


def test_services(cloud: CloudProcess) -> None:
    name = _name("svc")
    svc = os_(cloud, "service", "create", "--name", name, "--description", "s", "cli-type")
    assert svc["type"] == "cli-type" and svc["enabled"] is True
    assert name in names(os_(cloud, "service", "list"))
    run(cloud, "service", "set", "--disable", "--description", "s2", svc["id"])
    shown = os_(cloud, "service", "show", svc["id"])
    assert shown["enabled"] is False and shown["description"] == "s2"
    run(cloud, "service", "delete", svc["id"])
    assert name not in names(os_(cloud, "service", "list"))


def test_endpoints(cloud: CloudProcess) -> None:
    svc = os_(cloud, "service", "create", "--name", _name("esvc"), "ep-type")
    ep = os_(cloud, "endpoint", "create", "--region", "RegionOne", svc["id"], "public",
             "http://ep.example.org:1234/v1")
    assert ep["interface"] == "public" and ep["service_id"] == svc["id"]
    internal = os_(cloud, "endpoint", "create", "--region", "RegionOne", svc["id"], "internal",
                   "http://10.0.0.1:1234/v1")
    listed = os_(cloud, "endpoint", "list", "--service", svc["id"])
    assert {e["ID"] for e in listed} == {ep["id"], internal["id"]}
    assert {e["ID"] for e in os_(cloud, "endpoint", "list", "--interface", "internal",
                                 "--service", svc["id"])} == {internal["id"]}
    run(cloud, "endpoint", "set", "--url", "http://ep2.example.org/v1", "--disable", ep["id"])
    shown = os_(cloud, "endpoint", "show", ep["id"])
    assert shown["url"] == "http://ep2.example.org/v1" and shown["enabled"] is False
    # Enabled endpoints of the new service are in the catalog a token carries.
    catalog = os_(cloud, "catalog", "show", "ep-type")
    assert "10.0.0.1" in json.dumps(catalog)
    run(cloud, "endpoint", "delete", ep["id"], internal["id"])
    run(cloud, "service", "delete", svc["id"])


# -- unified limits ---------------------------------------------------------------------------
def test_limits(cloud: CloudProcess) -> None:
    svc = os_(cloud, "service", "create", "--name", _name("lsvc"), "limit-type")
    resource = _name("res")
    reg = gap(cloud, "registered limits", "registered", "limit", "create", "--service", svc["id"],
              "--default-limit", "10", "--region", "RegionOne", resource)
    assert reg["default_limit"] == 10 and reg["resource_name"] == resource
    regs = os_(cloud, "registered", "limit", "list", "--service", svc["id"])
    assert {r["ID"] for r in regs} == {reg["id"]}
    run(cloud, "registered", "limit", "set", "--default-limit", "20", reg["id"])
    assert os_(cloud, "registered", "limit", "show", reg["id"])["default_limit"] == 20
    project = os_(cloud, "project", "create", _name("lproj"))
    lim = gap(cloud, "project limits", "limit", "create", "--project", project["id"],
              "--service", svc["id"], "--resource-limit", "5", "--region", "RegionOne", resource)
    assert lim["resource_limit"] == 5 and lim["project_id"] == project["id"]
    limits = os_(cloud, "limit", "list", "--project", project["id"])
    assert {r["ID"] for r in limits} == {lim["id"]}
    run(cloud, "limit", "set", "--resource-limit", "7", lim["id"])
    assert os_(cloud, "limit", "show", lim["id"])["resource_limit"] == 7
    run(cloud, "limit", "delete", lim["id"])
    run(cloud, "registered", "limit", "delete", reg["id"])
    run(cloud, "project", "delete", project["id"])
    run(cloud, "service", "delete", svc["id"])


# -- federation -------------------------------------------------------------------------------
def test_federation(cloud: CloudProcess, tmp_path: Path) -> None:
    group = os_(cloud, "group", "create", _name("fedgroup"))
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([{
        "local": [{"user": {"name": "{0}"}}, {"group": {"id": group["id"]}}],
        "remote": [{"type": "REMOTE_USER"}],
    }]))
    idp_name = _name("idp")
    idp = gap(cloud, "identity providers", "identity", "provider", "create", "--remote-id",
              f"https://{idp_name}.example.org/idp", "--description", "cli idp", idp_name)
    assert idp["id"] == idp_name and idp["enabled"] is True
    assert idp_name in {i["ID"] for i in os_(cloud, "identity", "provider", "list")}
    run(cloud, "identity", "provider", "set", "--description", "changed", idp_name)
    assert os_(cloud, "identity", "provider", "show", idp_name)["description"] == "changed"
    map_name = _name("map")
    mapping = gap(cloud, "federation mappings", "mapping", "create", "--rules", str(rules),
                  map_name)
    assert mapping["id"] == map_name
    assert map_name in {m["ID"] for m in os_(cloud, "mapping", "list")}
    run(cloud, "mapping", "set", "--rules", str(rules), map_name)
    assert os_(cloud, "mapping", "show", map_name)["rules"]
    proto = gap(cloud, "federation protocols", "federation", "protocol", "create",
                "--identity-provider", idp_name, "--mapping", map_name, "saml2")
    assert proto["mapping"] == map_name
    protos = os_(cloud, "federation", "protocol", "list", "--identity-provider", idp_name)
    assert {p["id"] for p in protos} == {"saml2"}
    assert os_(cloud, "federation", "protocol", "show", "--identity-provider", idp_name,
               "saml2")["mapping"] == map_name
    run(cloud, "federation", "protocol", "delete", "--identity-provider", idp_name, "saml2")
    run(cloud, "mapping", "delete", map_name)
    run(cloud, "identity", "provider", "delete", idp_name)
    assert idp_name not in {i["ID"] for i in os_(cloud, "identity", "provider", "list")}
    run(cloud, "group", "delete", group["id"])


# -- tokens -----------------------------------------------------------------------------------
def test_token_issue_and_revoke(cloud: CloudProcess) -> None:
    token = os_(cloud, "token", "issue")
    assert token["id"] and token["project_id"] and token["user_id"]
    other = os_(cloud, "token", "issue")
    run(cloud, "token", "revoke", other["id"])
    # The revoked token no longer works; the one the CLI issues next does.
    assert os_(cloud, "project", "list")
