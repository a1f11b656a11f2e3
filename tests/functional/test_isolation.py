"""Another project's private resources, named in a request, are refused, and leave nothing.

The admin project owns a private image, network, port, security group, volume, snapshot and
object; the demo project's member names each in the request that would use it. Every refusal
is the service's own 400/403/404, and afterwards the demo project holds nothing new.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from tests.support.cloud_process import CloudProcess

COVERS = [("all", "another project's private image, network, port, security group, volume, "
                  "snapshot and object are refused where a request names them")]

pytestmark = pytest.mark.functional
MV = {"OpenStack-API-Version": "compute 2.60"}


def _session(cloud: CloudProcess, user: str) -> ks_session.Session:
    secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
    auth = v3.Password(auth_url=f"{cloud.url}/identity/v3", username=user,
                       password=secrets[f"{user}_password"], project_name=user,
                       user_domain_id="default", project_domain_id="default")
    return ks_session.Session(auth=auth)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("isolation") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
    try:
        yield proc
    finally:
        proc.stop()


def _ok(resp: Any, *codes: int) -> Any:
    assert resp.status_code in codes, f"{resp.status_code} {resp.text[:300]}"
    return resp.json() if resp.content else None


def _wait(sess: ks_session.Session, url: str, key: str, status: str) -> None:
    deadline = time.monotonic() + 30
    while sess.get(url).json()[key]["status"] != status:
        assert time.monotonic() < deadline, f"{url} never became {status}"
        time.sleep(0.2)


def test_private_resources_of_another_project_are_refused(cloud: CloudProcess) -> None:
    admin, demo = _session(cloud, "admin"), _session(cloud, "demo")
    base = cloud.url
    get = {"raise_exc": False}
    # The admin project's private resources.
    image = _ok(admin.post(f"{base}/image/v2/images", json={
        "name": "admin-private", "disk_format": "raw", "container_format": "bare",
        "visibility": "private"}, **get), 201)
    _ok(admin.put(f"{base}/image/v2/images/{image['id']}/file", data=b"\0" * 4096,
                  headers={"Content-Type": "application/octet-stream"}, **get), 204)
    net = _ok(admin.post(f"{base}/network/v2.0/networks", json={"network": {"name": "adm"}},
                         **get), 201)["network"]
    _ok(admin.post(f"{base}/network/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.77.0.0/24", "ip_version": 4}}, **get), 201)
    port = _ok(admin.post(f"{base}/network/v2.0/ports", json={"port": {
        "network_id": net["id"]}}, **get), 201)["port"]
    group = _ok(admin.post(f"{base}/network/v2.0/security-groups", json={
        "security_group": {"name": "adm-sg"}}, **get), 201)["security_group"]
    volume = _ok(admin.post(f"{base}/volume/v3/volumes", json={"volume": {"size": 1}}, **get),
                 202)["volume"]
    _wait(admin, f"{base}/volume/v3/volumes/{volume['id']}", "volume", "available")
    snap = _ok(admin.post(f"{base}/volume/v3/snapshots", json={"snapshot": {
        "volume_id": volume["id"]}}, **get), 202)["snapshot"]
    _wait(admin, f"{base}/volume/v3/snapshots/{snap['id']}", "snapshot", "available")
    admin_account = f"AUTH_{admin.get_project_id()}"
    _ok(admin.put(f"{base}/object/v1/{admin_account}/secrets", **get), 201, 202)
    _ok(admin.put(f"{base}/object/v1/{admin_account}/secrets/plan", data=b"private",
                  **get), 201)

    # The demo member names them.
    demo_net = demo.get(f"{base}/network/v2.0/networks?name=private").json()["networks"][0]
    flavors = demo.get(f"{base}/compute/v2.1/flavors").json()["flavors"]
    flavor = next(f["id"] for f in flavors if f["name"] == "m1.nano")
    public = next(i["id"] for i in demo.get(f"{base}/image/v2/images").json()["images"]
                  if i["name"] == "nimbus-test")
    servers = f"{base}/compute/v2.1/servers"

    def server(**fields: Any) -> Any:
        body = {"server": {"name": "probe", "flavorRef": flavor, "imageRef": public,
                           "networks": [{"uuid": demo_net["id"]}], **fields}}
        return demo.post(servers, json=body, headers=MV, **get)

    refused = {
        "private image": server(imageRef=image["id"]),
        "private network": server(networks=[{"uuid": net["id"]}]),
        "private port": server(networks=[{"port": port["id"]}]),
        "private security group": server(security_groups=[{"name": group["id"]}]),
        "volume from private image": demo.post(f"{base}/volume/v3/volumes", json={"volume": {
            "size": 1, "imageRef": image["id"]}}, **get),
        "volume from private snapshot": demo.post(f"{base}/volume/v3/volumes", json={
            "volume": {"size": 1, "snapshot_id": snap["id"]}}, **get),
        "volume from private volume": demo.post(f"{base}/volume/v3/volumes", json={
            "volume": {"size": 1, "source_volid": volume["id"]}}, **get),
        "image path as imageRef": demo.post(f"{base}/volume/v3/volumes", json={"volume": {
            "size": 1, "imageRef": "../../etc/passwd"}}, **get),
    }
    demo_account = f"AUTH_{demo.get_project_id()}"
    _ok(demo.put(f"{base}/object/v1/{demo_account}/mine", **get), 201, 202)
    refused["object copied from a private container"] = demo.put(
        f"{base}/object/v1/{demo_account}/mine/stolen", data=b"",
        headers={"X-Copy-From": "secrets/plan", "X-Copy-From-Account": admin_account}, **get)
    wrong = {what: resp.status_code for what, resp in refused.items()
             if resp.status_code not in (400, 403, 404)}
    assert wrong == {}

    # Nothing was left behind in the demo project.
    assert demo.get(f"{servers}/detail", headers=MV).json()["servers"] == []
    assert demo.get(f"{base}/volume/v3/volumes").json()["volumes"] == []
    demo_ports = demo.get(f"{base}/network/v2.0/ports").json()["ports"]
    assert [p for p in demo_ports if p["device_owner"].startswith("compute:")] == []
    assert demo.get(f"{base}/object/v1/{demo_account}/mine/stolen", **get).status_code == 404
    assert cloud.server_errors() == []
