"""A server turns ACTIVE only once its ports are up on the host, as Nova waits for Neutron's
``network-vif-plugged``: with the fake network driver wiring ports a while after it binds them,
the server stays in BUILD while its port is DOWN, and turns ACTIVE after the port does. A port
that does not come up within ``vif_plugging_timeout`` fails the build with Nova's fault."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import openstack.connection
import pytest
from openstack.config.loader import OpenStackConfig

from tests.support.cloud_process import CloudProcess

COVERS = [("compute", "a build waits for network-vif-plugged; a port that never comes up "
                      "fails it (vif_plugging_timeout)"),
          ("network", "a port wired after binding turns ACTIVE and tells compute "
                      "(network-vif-plugged)")]

pytestmark = [pytest.mark.functional,
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

WIRING = 2.0


def _cloud(base: Path, env: dict[str, str]) -> CloudProcess:
    state = base / "state"
    state.mkdir()
    return CloudProcess(state, env=env).start()


def _demo(cloud: CloudProcess) -> openstack.connection.Connection:
    config = OpenStackConfig(config_files=[str(cloud.state_dir / "clouds.yaml")])
    return openstack.connection.Connection(config=config.get_one("nimbus-demo"))


@pytest.fixture(scope="module")
def slow_wiring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    # Creates answered at once, so that the build can be watched while the port is DOWN.
    cloud = _cloud(tmp_path_factory.mktemp("vif"),
                   {"NIMBUS_NETWORK_FAKE_WIRING_DELAY": str(WIRING),
                    "NIMBUS_COMPUTE_CREATE_WAIT": "0"})
    try:
        yield cloud
    finally:
        cloud.stop()


def _boot(conn: openstack.connection.Connection, name: str) -> tuple[str, float]:
    image = conn.create_image(f"{name}-image", data=b"\0" * 4096, disk_format="raw",
                              container_format="bare", wait=True, timeout=60)
    flavor = conn.compute.find_flavor("m1.tiny")
    network = conn.network.find_network("private")
    assert flavor is not None and network is not None
    started = time.monotonic()
    server = conn.compute.create_server(name=name, image_id=image.id, flavor_id=flavor.id,
                                        networks=[{"uuid": network.id}])
    return str(server.id), started


def test_active_only_after_the_port_is_up(slow_wiring: CloudProcess) -> None:
    conn = _demo(slow_wiring)
    try:
        server_id, started = _boot(conn, "vif-wait")
        seen_down_in_build = False
        while time.monotonic() - started < 60:
            server = conn.compute.get_server(server_id)
            ports = list(conn.network.ports(device_id=server_id))
            if server.status == "ACTIVE":
                break
            assert server.status == "BUILD", server.fault
            if ports and ports[0].status == "DOWN":
                seen_down_in_build = True
            time.sleep(0.2)
        took = time.monotonic() - started
        assert server.status == "ACTIVE"
        assert seen_down_in_build, "the port was never seen DOWN while the server built"
        assert [p.status for p in conn.network.ports(device_id=server_id)] == ["ACTIVE"]
        # Not before the port was wired.
        assert took >= WIRING, took
        # The delete may finish before another GET, so wait on the object already held.
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=60)
    finally:
        conn.close()


def test_a_port_that_never_comes_up_fails_the_build(tmp_path: Path) -> None:
    cloud = _cloud(tmp_path, {"NIMBUS_NETWORK_FAKE_WIRING_DELAY": "30",
                              "NIMBUS_COMPUTE_VIF_PLUGGING_TIMEOUT": "2",
                              "NIMBUS_COMPUTE_CREATE_WAIT": "0"})
    conn = _demo(cloud)
    try:
        server_id, _ = _boot(conn, "vif-timeout")
        server = conn.compute.wait_for_server(conn.compute.get_server(server_id),
                                              status="ERROR", failures=["ACTIVE"], wait=60,
                                              interval=0.5)
        assert server.fault and server.fault["message"] == "Virtual Interface creation failed"
        # The failed build gave its port back.
        assert list(conn.network.ports(device_id=server_id)) == []
    finally:
        conn.close()
        cloud.stop()
