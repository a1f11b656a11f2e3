"""The unmodified `openstack` CLI through a server's life with the fake driver on two hosts:
resize (confirm and revert), rebuild, rescue, shelve, migrations, consoles, ports, floating
IPs and events; then a restart, after which the same server still obeys every action."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cloud_process import CloudProcess

COVERS = [
    ("compute", "openstack server resize/confirm/revert, rebuild, rescue/unrescue, "
                "shelve/unshelve, migrate, live migrate (CLI)"),
    ("compute", "openstack console log show, console url show, server add/remove port, "
                "server add floating ip, server event list (CLI)"),
    ("compute", "a server made before a restart: stop, start, reboot, resize, snapshot, "
                "delete after it"),
]

pytestmark = pytest.mark.functional


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("compute-cli") / "state"
    state.mkdir()
    proc = CloudProcess(state, extra=["--compute-hosts", "2"]).start()
    try:
        yield proc
    finally:
        proc.stop()


def _show(cloud: CloudProcess, server: str) -> dict[str, Any]:
    shown = cloud.openstack_json("server", "show", server)
    assert isinstance(shown, dict)
    return shown


def _wait(cloud: CloudProcess, server: str, status: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    shown: dict[str, Any] = {}
    while time.monotonic() < deadline:
        shown = _show(cloud, server)
        if shown["status"] == status and not shown.get("OS-EXT-STS:task_state"):
            return shown
        time.sleep(0.3)
    raise AssertionError(f"{server} never reached {status}: {shown.get('status')}")


@pytest.fixture(scope="module")
def images(cloud: CloudProcess, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    disk = tmp_path_factory.mktemp("img") / "disk.raw"
    disk.write_bytes(b"\0" * 65536)
    made = []
    for name in ("cli-one", "cli-two"):
        made.append(cloud.openstack_json("image", "create", "--disk-format", "raw",
                                         "--container-format", "bare", "--file", str(disk),
                                         "--public", name)["id"])
    return made


def test_a_servers_life_through_the_cli(cloud: CloudProcess, images: list[str],
                                        tmp_path: Path) -> None:
    server = cloud.openstack_json("server", "create", "--image", images[0], "--flavor",
                                  "m1.nano", "--network", "private", "--wait", "cli-vm")["id"]
    cloud.openstack("server", "resize", "--flavor", "m1.micro", "--wait", server)
    assert "m1.micro" in str(_wait(cloud, server, "VERIFY_RESIZE")["flavor"])
    cloud.openstack("server", "resize", "confirm", server)
    _wait(cloud, server, "ACTIVE")
    cloud.openstack("server", "resize", "--flavor", "m1.tiny", "--wait", server)
    _wait(cloud, server, "VERIFY_RESIZE")
    cloud.openstack("server", "resize", "revert", server)
    assert "m1.micro" in str(_wait(cloud, server, "ACTIVE")["flavor"])

    cloud.openstack("server", "rebuild", "--image", images[1], "--wait", server)
    assert images[1] in str(_wait(cloud, server, "ACTIVE")["image"])

    cloud.openstack("server", "rescue", server)
    _wait(cloud, server, "RESCUE")
    cloud.openstack("server", "unrescue", server)
    _wait(cloud, server, "ACTIVE")

    cloud.openstack("server", "shelve", server)
    _wait(cloud, server, "SHELVED_OFFLOADED")
    cloud.openstack("server", "unshelve", server)
    _wait(cloud, server, "ACTIVE")

    first = _show(cloud, server)["OS-EXT-SRV-ATTR:host"]
    cloud.openstack("server", "migrate", "--wait", server)
    _wait(cloud, server, "VERIFY_RESIZE")
    cloud.openstack("server", "migration", "confirm", server)
    second = _wait(cloud, server, "ACTIVE")["OS-EXT-SRV-ATTR:host"]
    assert second != first
    cloud.openstack("server", "migrate", "--live-migration", "--host", first, "--wait", server)
    assert _wait(cloud, server, "ACTIVE")["OS-EXT-SRV-ATTR:host"] == first
    migrations = cloud.openstack_json("server", "migration", "list", "--server", server)
    assert len(migrations) >= 2

    log = cloud.openstack("console", "log", "show", server).stdout
    assert "login:" in log
    url = cloud.openstack_json("console", "url", "show", server)
    assert "token" in url["url"]

    port = cloud.openstack_json("port", "create", "--network", "private", "cli-port")["id"]
    cloud.openstack("server", "add", "port", server, port)
    assert port in str(cloud.openstack_json("port", "list", "--server", server))
    cloud.openstack("server", "remove", "port", server, port)

    fip = cloud.openstack_json("floating", "ip", "create", "public")["floating_ip_address"]
    cloud.openstack("server", "add", "floating", "ip", server, fip)
    deadline = time.monotonic() + 20
    while fip not in str(_show(cloud, server)["addresses"]) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert fip in str(_show(cloud, server)["addresses"])

    events = cloud.openstack_json("server", "event", "list", server)
    done = {e["Action"] for e in events}
    assert {"create", "resize", "confirmResize", "revertResize", "rebuild", "rescue",
            "unrescue", "shelve", "unshelve", "migrate"} <= done, done
    assert cloud.server_errors() == []


def test_a_server_made_before_a_restart_still_obeys(cloud: CloudProcess,
                                                    images: list[str]) -> None:
    server = cloud.openstack_json("server", "create", "--image", images[0], "--flavor",
                                  "m1.nano", "--network", "private", "--wait", "old-vm")["id"]
    cloud.stop()
    cloud.start()
    cloud.openstack("server", "stop", server)
    _wait(cloud, server, "SHUTOFF")
    cloud.openstack("server", "start", server)
    _wait(cloud, server, "ACTIVE")
    cloud.openstack("server", "reboot", "--wait", server)
    _wait(cloud, server, "ACTIVE")
    cloud.openstack("server", "resize", "--flavor", "m1.micro", "--wait", server)
    _wait(cloud, server, "VERIFY_RESIZE")
    cloud.openstack("server", "resize", "confirm", server)
    _wait(cloud, server, "ACTIVE")
    snap = cloud.openstack_json("server", "image", "create", "--name", "old-snap", "--wait",
                                server)
    assert cloud.openstack_json("image", "show", snap["id"])["status"] == "active"
    cloud.openstack("server", "delete", "--wait", server)
    assert cloud.openstack("server", "show", server, check=False).returncode != 0
    assert cloud.server_errors() == []
