"""openstacksdk with its defaults: a server comes up with a floating IP, and goes away with it.

``create_server(wait=True)`` asks for a floating IP by default (``auto_ip``) and waits until the
server's ``addresses`` show it, which needs the network service to tell compute of the change
(``os-server-external-events``); ``delete_server(delete_ips=True)`` finds the address there to
delete it.
"""

from __future__ import annotations

from collections.abc import Iterator

import openstack.connection
import pytest
from openstack.config.loader import OpenStackConfig

from tests.support.cloud_process import CloudProcess

COVERS = [("compute", "openstacksdk create_server(wait=True) with a floating IP, "
                      "delete_server(delete_ips=True)"),
          ("network", "floating IPs of a server reach its addresses (network-changed)")]

# openstacksdk warns of its own future changes while it reads clouds.yaml.
pytestmark = [pytest.mark.functional,
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    state = tmp_path_factory.mktemp("sdk") / "state"
    state.mkdir()
    proc = CloudProcess(state).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def demo(cloud: CloudProcess) -> Iterator[openstack.connection.Connection]:
    config = OpenStackConfig(config_files=[str(cloud.state_dir / "clouds.yaml")])
    conn = openstack.connection.Connection(config=config.get_one("nimbus-demo"))
    try:
        yield conn
    finally:
        conn.close()


def test_create_server_waits_for_its_floating_ip(cloud: CloudProcess,
                                                 demo: openstack.connection.Connection) -> None:
    image = demo.create_image("sdk-boot", data=b"\0" * 4096, disk_format="raw",
                              container_format="bare", wait=True, timeout=60)
    flavor = demo.compute.find_flavor("m1.tiny")
    assert flavor is not None
    server = demo.create_server("sdk-fip", image=image.id, flavor=flavor.id,
                                network="private", wait=True, timeout=60)
    assert server.status == "ACTIVE"
    floating = [a["addr"] for addrs in server.addresses.values() for a in addrs
                if a.get("OS-EXT-IPS:type") == "floating"]
    assert len(floating) == 1, server.addresses
    fips = list(demo.network.ips(floating_ip_address=floating[0]))
    assert len(fips) == 1 and fips[0].port_id
    # What the CLI shows too.
    shown = cloud.openstack_json("server", "show", server.id, cloud="nimbus-demo")
    assert floating[0] in str(shown["addresses"])

    assert demo.delete_server(server.id, wait=True, delete_ips=True, timeout=60)
    assert list(demo.network.ips(floating_ip_address=floating[0])) == []
    assert demo.compute.find_server(server.id) is None
    demo.delete_image(image.id)
    assert cloud.server_errors() == []


def test_taking_a_floating_ip_away_shows_in_the_server(
        cloud: CloudProcess, demo: openstack.connection.Connection) -> None:
    image = demo.create_image("sdk-boot-2", data=b"\0" * 4096, disk_format="raw",
                              container_format="bare", wait=True, timeout=60)
    server = demo.create_server("sdk-nofip", image=image.id, flavor="m1.tiny",
                                network="private", wait=True, auto_ip=False, timeout=60)
    public = demo.network.find_network("public")
    fip = demo.network.create_ip(floating_network_id=public.id)
    cloud.openstack("server", "add", "floating", "ip", server.id, fip.floating_ip_address,
                    cloud="nimbus-demo")

    def floating_of() -> list[str]:
        found = demo.compute.get_server(server.id)
        return [a["addr"] for addrs in found.addresses.values() for a in addrs
                if a.get("OS-EXT-IPS:type") == "floating"]

    _wait(lambda: floating_of() == [fip.floating_ip_address])
    cloud.openstack("server", "remove", "floating", "ip", server.id, fip.floating_ip_address,
                    cloud="nimbus-demo")
    _wait(lambda: floating_of() == [])
    demo.network.delete_ip(fip)
    demo.delete_server(server.id, wait=True, timeout=60)
    demo.delete_image(image.id)
    assert cloud.server_errors() == []


def _wait(predicate: object, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out")
