"""The OpenStack launch-an-instance workflow, end to end, with the unmodified `openstack` CLI.

The same walk runs on SQLite with the in-memory bus, on PostgreSQL with RabbitMQ and on MariaDB
with RabbitMQ: one code path, three deployments.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from tests.support.backends import amqp_url, scratch_database
from tests.support.cloud_process import CloudProcess

COVERS = [
    ('all', 'launch-an-instance walk with the openstack CLI (3 backends)'),
    ('compute', 'server create --wait / delete --wait'),
    ('compute', 'server add volume'),
    ('image', 'image create --file / image save'),
    ('network', 'network/subnet create, ports of a server'),
    ('placement', 'allocations claimed and freed'),
    ('volume', 'volume create, in-use after attach'),
    ('object', 'container create, object create/save'),
    ('compute', 'other project gets 404 and cannot delete'),
]

pytestmark = pytest.mark.functional

BACKENDS = ["sqlite-memory", "postgresql-rabbitmq", "mysql-rabbitmq"]


@pytest.fixture(scope="module", params=BACKENDS)
def cloud(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[CloudProcess]:
    with ExitStack() as stack:
        db_url = bus_url = None
        if request.param != "sqlite-memory":
            kind = request.param.split("-")[0]
            db_url = stack.enter_context(scratch_database(kind))
            bus_url = amqp_url()
        state = tmp_path_factory.mktemp(request.param) / "state"
        proc = CloudProcess(state, db_url, bus_url).start()
        stack.callback(proc.stop)
        yield proc
        assert proc.server_errors() == []


def admin_session(cloud: CloudProcess, user: str = "admin", project: str = "admin",
                  password: str | None = None) -> ks_session.Session:
    import yaml

    secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
    auth = v3.Password(auth_url=f"{cloud.url}/identity/v3", username=user,
                       password=password or secrets[f"{user}_password"], project_name=project,
                       user_domain_id="default", project_domain_id="default")
    return ks_session.Session(auth=auth)


def _api(sess: ks_session.Session, service: str, method: str, path: str, **kw: Any) -> Any:
    return sess.request(path, method, endpoint_filter={"service_type": service,
                                                       "interface": "public"},
                        raise_exc=False, **kw)


def test_walk(cloud: CloudProcess, tmp_path: Path) -> None:
    os_ = cloud.openstack_json
    token = os_("token", "issue")
    assert token["id"] and token["project_id"]

    catalog = {entry["Type"] for entry in os_("catalog", "list")}
    assert {"identity", "compute", "placement", "image", "network", "block-storage",
            "volumev3", "object-store"} <= catalog

    image_file = tmp_path / "disk.raw"
    image_file.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    image = os_("image", "create", "--disk-format", "raw", "--container-format", "bare",
                "--file", str(image_file), "walk-image")
    assert image["status"] == "active"
    saved = tmp_path / "saved.raw"
    cloud.openstack("image", "save", "--file", str(saved), image["id"])
    assert saved.read_bytes() == image_file.read_bytes()

    network = os_("network", "create", "walk-net")
    subnet = os_("subnet", "create", "--network", network["id"], "--subnet-range",
                 "10.1.0.0/24", "walk-subnet")
    assert subnet["cidr"] == "10.1.0.0/24"

    keypair = os_("keypair", "create", "--private-key", str(tmp_path / "walk-key.pem"), "walk-key")
    assert keypair["fingerprint"] and (tmp_path / "walk-key.pem").read_text().startswith("-----")

    server = os_("server", "create", "--image", image["id"], "--flavor", "m1.tiny",
                 "--network", network["id"], "--key-name", "walk-key", "--wait", "walk-vm")
    assert server["status"] == "ACTIVE"
    addresses = server["addresses"]
    ips = [a for net in addresses.values() for a in net] if isinstance(addresses, dict) else \
        [s.split("=")[-1] for s in str(addresses).split(";")]
    assert any(ipaddress.ip_address(ip) in ipaddress.ip_network("10.1.0.0/24") for ip in ips), ips

    ports = os_("port", "list", "--device-id", server["id"])
    assert len(ports) == 1

    sess = admin_session(cloud)
    allocation = _api(sess, "placement", "GET", f"/allocations/{server['id']}").json()
    assert allocation["allocations"], allocation

    volume = os_("volume", "create", "--size", "1", "walk-vol")
    for _ in range(100):
        if os_("volume", "show", volume["id"])["status"] == "available":
            break
        time.sleep(0.1)
    cloud.openstack("server", "add", "volume", server["id"], volume["id"])
    for _ in range(100):
        shown = os_("volume", "show", volume["id"])
        if shown["status"] == "in-use":
            break
        time.sleep(0.1)
    assert shown["status"] == "in-use"
    # Cinder knows where on the guest the volume sits, as Nova told it.
    assert [(a["server_id"], a["device"]) for a in shown["attachments"]] == [
        (server["id"], "/dev/vdb")]

    os_("container", "create", "walk-container")
    payload = tmp_path / "object.bin"
    payload.write_bytes(os.urandom(256 * 1024))
    os_("object", "create", "--name", "data/object.bin", "walk-container", str(payload))
    out = tmp_path / "object.out"
    cloud.openstack("object", "save", "--file", str(out), "walk-container", "data/object.bin")
    assert out.read_bytes() == payload.read_bytes()

    cloud.openstack("server", "delete", "--wait", server["id"])
    assert os_("port", "list", "--device-id", server["id"]) == []
    allocation = _api(sess, "placement", "GET", f"/allocations/{server['id']}").json()
    assert allocation["allocations"] == {}
    assert os_("volume", "show", volume["id"])["status"] == "available"


def test_bad_input_gets_each_services_fault(cloud: CloudProcess) -> None:
    sess = admin_session(cloud)
    flavors = _api(sess, "compute", "GET", "/flavors").json()["flavors"]
    images = _api(sess, "image", "GET", "/v2/images").json()["images"]
    networks = _api(sess, "network", "GET", "/v2.0/networks").json()["networks"]
    good = {"name": "bad", "flavorRef": flavors[0]["id"], "imageRef": images[0]["id"],
            "networks": [{"uuid": networks[0]["id"]}]}
    for field, value in (("flavorRef", "no-such-flavor"),
                         ("imageRef", "00000000-0000-0000-0000-000000000000"),
                         ("networks", [{"uuid": "00000000-0000-0000-0000-00000000abcd"}])):
        resp = _api(sess, "compute", "POST", "/servers", json={"server": {**good, field: value}})
        assert resp.status_code in (400, 404), resp.text
        fault = next(iter(resp.json().values()))
        needle = value if isinstance(value, str) else value[0]["uuid"]
        assert needle in fault["message"], fault

    for service, path in (("compute", "/servers"), ("network", "/v2.0/networks"),
                          ("image", "/v2/images"), ("volumev3", "/volumes"),
                          ("identity", "/projects")):
        resp = _api(sess, service, "POST", path, data=b"{not json",
                    headers={"Content-Type": "application/json"})
        assert resp.status_code == 400, (service, resp.status_code, resp.text)

    resp = sess.post(f"{cloud.url}/identity/v3/auth/tokens", raise_exc=False,
                    authenticated=False, json={"auth": {"identity": {
                        "methods": ["password"], "password": {"user": {
                            "name": "admin", "domain": {"id": "default"},
                            "password": "definitely-wrong"}}}}})
    assert resp.status_code == 401


def test_other_projects_cannot_see_or_delete_a_server(cloud: CloudProcess) -> None:
    os_ = cloud.openstack_json
    images = os_("image", "list")
    networks = os_("network", "list", "--external")
    assert networks, "the bootstrap made no external network"
    server = os_("server", "create", "--image", images[0]["ID"], "--flavor", "m1.nano",
                 "--nic", "none", "--wait", "admins-vm")
    shown = cloud.openstack("server", "show", server["id"], cloud="nimbus-demo", check=False)
    assert shown.returncode != 0 and "No Server found" in shown.stderr
    deleted = cloud.openstack("server", "delete", server["id"], cloud="nimbus-demo", check=False)
    assert deleted.returncode != 0
    demo = admin_session(cloud, user="demo", project="demo")
    for method in ("GET", "DELETE"):
        resp = _api(demo, "compute", method, f"/servers/{server['id']}")
        assert resp.status_code == 404 and "itemNotFound" in resp.json(), resp.text
    assert os_("server", "show", server["id"])["status"] == "ACTIVE"
    cloud.openstack("server", "delete", "--wait", server["id"])
