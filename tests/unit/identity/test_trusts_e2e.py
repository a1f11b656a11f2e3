"""Trusts end to end: the whole cloud, a trustee acting for a trustor on compute and network.

The trustor delegates ``member`` on their project with impersonation; the trustee (who has no
role there) gets a trust-scoped token, lists servers and creates a network that lands in the
trustor's project. Deleting the trust cuts the trustee off at once, in every service.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from tests.support.cloud_process import CloudProcess

COVERS = [("identity", "trust-scoped token used on compute and network, end to end")]
pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("trusts") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
    try:
        yield proc
        assert proc.server_errors() == []
    finally:
        proc.stop()


def _login(http: httpx.Client, v3: str, user_id: str, password: str,
           scope: dict[str, Any] | None = None) -> httpx.Response:
    auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": {
        "id": user_id, "password": password}}}}
    if scope:
        auth["scope"] = scope
    return http.post(f"{v3}/auth/tokens", json={"auth": auth})


def test_trustee_acts_for_the_trustor(cloud: CloudProcess) -> None:
    v3 = f"{cloud.url}/identity/v3"
    admin_password = yaml.safe_load((cloud.state_dir / "clouds.yaml").read_text())[
        "clouds"]["nimbus"]["auth"]["password"]
    suffix = uuid.uuid4().hex[:6]
    project = cloud.openstack_json("project", "create", f"trusting-{suffix}")["id"]
    trustor = cloud.openstack_json("user", "create", "--password", "tr-pw",
                                   f"trustor-{suffix}")["id"]
    trustee = cloud.openstack_json("user", "create", "--password", "te-pw",
                                   f"trustee-{suffix}")["id"]
    cloud.openstack("role", "add", "--user", trustor, "--project", project, "member")
    assert admin_password
    with httpx.Client(timeout=60) as http:
        resp = _login(http, v3, trustor, "tr-pw", {"project": {"id": project}})
        assert resp.status_code == 201, resp.text
        trustor_token = resp.headers["X-Subject-Token"]
        resp = http.post(f"{v3}/OS-TRUST/trusts", headers={"X-Auth-Token": trustor_token},
                         json={"trust": {"trustor_user_id": trustor, "trustee_user_id": trustee,
                                         "project_id": project, "impersonation": True,
                                         "roles": [{"name": "member"}]}})
        assert resp.status_code == 201, resp.text
        trust_id = resp.json()["trust"]["id"]
        # Without the trust the trustee has no way into the project.
        assert _login(http, v3, trustee, "te-pw",
                      {"project": {"id": project}}).status_code == 401
        resp = _login(http, v3, trustee, "te-pw", {"OS-TRUST:trust": {"id": trust_id}})
        assert resp.status_code == 201, resp.text
        token = resp.json()["token"]
        assert token["user"]["id"] == trustor and token["project"]["id"] == project
        assert {e["type"] for e in token["catalog"]} >= {"compute", "network"}
        trust_token = resp.headers["X-Subject-Token"]
        as_trustee = {"X-Auth-Token": trust_token}
        servers = http.get(f"{cloud.url}/compute/v2.1/servers", headers=as_trustee)
        assert servers.status_code == 200 and servers.json()["servers"] == []
        made = http.post(f"{cloud.url}/network/v2.0/networks", headers=as_trustee,
                         json={"network": {"name": f"via-trust-{suffix}"}})
        assert made.status_code == 201, made.text
        assert made.json()["network"]["project_id"] == project
        mine = http.get(f"{cloud.url}/network/v2.0/networks",
                        headers={"X-Auth-Token": trustor_token}).json()["networks"]
        assert made.json()["network"]["id"] in {n["id"] for n in mine}
        # The CLI sees the trust too.
        listed = cloud.openstack_json("trust", "list")
        assert trust_id in {t["ID"] for t in listed}
        resp = http.delete(f"{v3}/OS-TRUST/trusts/{trust_id}",
                           headers={"X-Auth-Token": trustor_token})
        assert resp.status_code == 204
        after = http.get(f"{cloud.url}/compute/v2.1/servers", headers=as_trustee)
        assert after.status_code == 401
        http.delete(f"{cloud.url}/network/v2.0/networks/{made.json()['network']['id']}",
                    headers={"X-Auth-Token": trustor_token})
