"""Scaled mode: the API, the scheduler and the agents as separate processes on PostgreSQL and
RabbitMQ, and restarts that keep every piece of state."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.backends import amqp_url, scratch_database
from tests.support.cloud_process import CloudProcess

pytestmark = pytest.mark.functional

COVERS = [
    ("all", "scaled mode: API, scheduler and agents as separate processes"),
    ("all", "restart keeps state; SIGTERM stops cleanly"),
]


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        return proc.wait(timeout=30)
    return proc.returncode


@pytest.fixture
def scaled(tmp_path: Path) -> Iterator[CloudProcess]:
    with ExitStack() as stack:
        db_url = stack.enter_context(scratch_database("postgresql"))
        api = CloudProcess(tmp_path / "state", db_url, amqp_url(), command=("serve", "api"))
        api.start()
        stack.callback(api.stop)
        workers = [api.spawn("serve", "scheduler"), api.spawn("agent", "compute"),
                   api.spawn("agent", "volume")]
        for proc in workers:
            stack.callback(_stop, proc)
        yield api
        for proc in workers:
            assert _stop(proc) == 0


def _wait_for(check: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached")


def test_scaled_processes_build_and_delete_a_server(scaled: CloudProcess) -> None:
    os_ = scaled.openstack_json
    _wait_for(lambda: any(s["State"] == "up" and s["Binary"] == "nova-compute"
                          for s in os_("compute", "service", "list")))
    images = os_("image", "list")
    server = os_("server", "create", "--image", images[0]["ID"], "--flavor", "m1.nano",
                 "--network", "private", "--wait", "scaled-vm")
    assert server["status"] == "ACTIVE"
    volume = os_("volume", "create", "--size", "1", "scaled-vol")
    _wait_for(lambda: os_("volume", "show", volume["id"])["status"] == "available")
    scaled.openstack("server", "add", "volume", server["id"], volume["id"])
    _wait_for(lambda: os_("volume", "show", volume["id"])["status"] == "in-use")
    scaled.openstack("server", "delete", "--wait", server["id"])
    assert scaled.server_errors() == []


def test_an_api_process_without_identity_validates_through_the_identity_api(
        scaled: CloudProcess) -> None:
    import requests
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    image_only = CloudProcess(scaled.state_dir, scaled.db_url, scaled.bus_url,
                              command=("serve", "api"),
                              env={"NIMBUS_SERVICES": "image",
                                   "NIMBUS_IDENTITY_URL": f"{scaled.url}/identity/v3"})
    image_only.start()
    try:
        secrets = __import__("yaml").safe_load((scaled.state_dir / "secrets.yaml").read_text())
        auth = v3.Password(auth_url=f"{scaled.url}/identity/v3", username="demo",
                           password=secrets["demo_password"], project_name="demo",
                           user_domain_id="default", project_domain_id="default")
        token = ks_session.Session(auth=auth).get_token()
        ok = requests.get(f"{image_only.url}/image/v2/images", headers={"X-Auth-Token": token},
                          timeout=30)
        assert ok.status_code == 200 and ok.json()["images"]
        bad = requests.get(f"{image_only.url}/image/v2/images",
                           headers={"X-Auth-Token": token[:-4] + "AAAA"}, timeout=30)
        assert bad.status_code == 401
    finally:
        image_only.stop()


def test_restart_keeps_state_and_sigterm_is_clean(tmp_path: Path) -> None:
    cloud = CloudProcess(tmp_path / "state").start()
    os_ = cloud.openstack_json
    net = os_("network", "create", "kept-net")
    images = os_("image", "list")
    server = os_("server", "create", "--image", images[0]["ID"], "--flavor", "m1.nano",
                 "--network", net["id"], "--wait", "kept-vm")
    os_("container", "create", "kept-container")
    assert cloud.stop() == 0
    cloud.start()
    assert os_("server", "show", server["id"])["status"] == "ACTIVE"
    assert os_("network", "show", "kept-net")["id"] == net["id"]
    assert [c["Name"] for c in os_("container", "list")] == ["kept-container"]
    assert len([f for f in os_("flavor", "list") if f["Name"] == "m1.tiny"]) == 1
    assert len([i for i in os_("image", "list") if i["Name"] == "nimbus-test"]) == 1
    cloud.openstack("server", "delete", "--wait", server["id"])
    assert cloud.stop() == 0
    assert cloud.server_errors() == []
