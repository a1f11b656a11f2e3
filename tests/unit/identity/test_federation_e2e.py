"""Federation end to end: the whole cloud, a test IdP, and another service used with the token.

A mapped user gets an unscoped token from the test IdP's assertion, lists its projects, gets a
project-scoped token and lists images and servers with it. The OIDC variant signs a JWT with a
key made here, and the unmodified ``openstack`` CLI (keystoneauth's ``v3oidcaccesstoken``) does
the whole dance itself.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.support.cloud_process import BIN, CloudProcess
from tests.unit.identity.federation_helpers import (
    ISSUER,
    MAPPING,
    OIDC_MAPPING,
    IdpKey,
    assertion_headers,
    federation_settings,
)

COVERS = [
    ("identity", "federated (mapped) token used on compute and image, end to end"),
    ("identity", "OIDC access token with the openstack CLI (v3oidcaccesstoken), end to end"),
]
pytestmark = pytest.mark.functional
KEY = IdpKey("RS256")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("federation") / "state"
    state.mkdir()
    (state / "nimbus.yaml").write_text(yaml.safe_dump(
        {"federation": federation_settings(KEY)}))
    proc = CloudProcess(state).start()
    try:
        rules = state.parent / "rules.json"
        oidc_rules = state.parent / "oidc-rules.json"
        rules.write_text(json.dumps(MAPPING["rules"]))
        oidc_rules.write_text(json.dumps(OIDC_MAPPING["rules"]))
        proc.openstack("group", "create", "staff")
        proc.openstack("project", "create", "fedproj")
        proc.openstack("role", "add", "--group", "staff", "--project", "fedproj", "member")
        proc.openstack("mapping", "create", "--rules", str(rules), "saml")
        proc.openstack("mapping", "create", "--rules", str(oidc_rules), "oidc")
        proc.openstack("identity", "provider", "create", "--remote-id",
                       "https://saml.test.example", "--remote-id", ISSUER, "--enable", "testidp")
        proc.openstack("federation", "protocol", "create", "--identity-provider", "testidp",
                       "--mapping", "saml", "saml2")
        proc.openstack("federation", "protocol", "create", "--identity-provider", "testidp",
                       "--mapping", "oidc", "openid")
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


def test_cli_sees_the_federation_resources(cloud: CloudProcess) -> None:
    idps = cloud.openstack_json("identity", "provider", "list")
    assert [(i["ID"], i["Enabled"]) for i in idps] == [("testidp", True)]
    shown = cloud.openstack_json("identity", "provider", "show", "testidp")
    assert sorted(shown["remote_ids"]) == sorted(["https://saml.test.example", ISSUER])
    protocols = cloud.openstack_json("federation", "protocol", "list", "--identity-provider",
                                     "testidp")
    assert sorted(p["id"] for p in protocols) == ["openid", "saml2"]
    assert sorted(m["ID"] for m in cloud.openstack_json("mapping", "list")) == ["oidc", "saml"]


def test_mapped_user_reaches_compute_and_image(cloud: CloudProcess) -> None:
    v3 = f"{cloud.url}/identity/v3"
    with httpx.Client(timeout=30) as http:
        resp = http.post(f"{v3}/OS-FEDERATION/identity_providers/testidp/protocols/saml2/auth",
                         headers=assertion_headers("carol"))
        assert resp.status_code == 201, resp.text
        unscoped = resp.headers["X-Subject-Token"]
        assert resp.json()["token"]["user"]["OS-FEDERATION"]["identity_provider"] == {
            "id": "testidp"}
        projects = http.get(f"{v3}/auth/projects", headers={"X-Auth-Token": unscoped}).json()
        assert [p["name"] for p in projects["projects"]] == ["fedproj"]
        resp = http.post(f"{v3}/auth/tokens", json={"auth": {
            "identity": {"methods": ["token"], "token": {"id": unscoped}},
            "scope": {"project": {"id": projects["projects"][0]["id"]}}}})
        assert resp.status_code == 201, resp.text
        scoped = resp.headers["X-Subject-Token"]
        images = http.get(f"{cloud.url}/image/v2/images", headers={"X-Auth-Token": scoped})
        assert images.status_code == 200 and "images" in images.json()
        servers = http.get(f"{cloud.url}/compute/v2.1/servers",
                           headers={"X-Auth-Token": scoped})
        assert servers.status_code == 200 and servers.json()["servers"] == []
        # The admin's shadow-user listing shows carol, created on first login.
        users = cloud.openstack_json("user", "list", "--long")
        assert "carol" in {u["Name"] for u in users}


def test_oidc_access_token_with_the_cli(cloud: CloudProcess) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    cmd = [str(BIN / "openstack"), "--os-auth-type", "v3oidcaccesstoken",
           "--os-auth-url", f"{cloud.url}/identity/v3", "--os-identity-provider", "testidp",
           "--os-protocol", "openid", "--os-access-token", KEY.token(),
           "--os-project-name", "fedproj", "--os-project-domain-name", "Default",
           "--os-interface", "public", "--os-identity-api-version", "3"]
    for args in (["server", "list", "-f", "json"], ["image", "list", "-f", "json"]):
        result = subprocess.run([*cmd, *args], env=env, capture_output=True, text=True,
                                timeout=180)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == [] or isinstance(json.loads(result.stdout), list)
    bad = subprocess.run([*cmd[:cmd.index("--os-access-token") + 1], IdpKey().token(),
                          *cmd[cmd.index("--os-access-token") + 2:], "server", "list"],
                         env=env, capture_output=True, text=True, timeout=180)
    assert bad.returncode != 0


def test_state_dir_has_no_secrets_in_config(cloud: CloudProcess) -> None:
    text = Path(cloud.state_dir / "nimbus.yaml").read_text()
    assert "PRIVATE" not in text
