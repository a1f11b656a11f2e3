"""Two hosts on one machine (`nimbus up --real --compute-hosts 2`): each host's guests sit on a
fabric of its own, and tenant networks cross between the fabrics over VXLAN on the underlay.

Checked from inside the guests: they reach each other across hosts, a live migration keeps a
continuous ping going, and another project's guest on a network with the very same addresses
reaches nothing of this one's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.support import guests
from tests.support.cloud_process import BIN, CloudProcess

COVERS = [("network", "linux driver, two hosts: guests on different hosts reach each other "
                      "over VXLAN; a live migration there and back keeps a ping every 0.2 s "
                      "going with under 2 s of loss"),
          ("network", "linux driver: another project's guest, on a network with the same "
                      "CIDR, cannot reach a guest of this one"),
          ("network", "linux driver: on a network no router serves, the guest reads its own "
                      "meta_data.json from 169.254.169.254 in the DHCP namespace"),
          ("network", "binding-extended: a live migration binds the ports to the destination "
                      "first, and the destination's binding becomes the only one")]

pytestmark = [pytest.mark.functional, pytest.mark.guests]
# Interval of the continuous ping, and the loss the acceptance allows.
INTERVAL, MAX_LOSS_S = 0.2, 2.0


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    with guests.real_cloud(tmp_path_factory) as cloud:
        yield cloud


def _hosts(cloud: CloudProcess) -> list[str]:
    services = cloud.openstack_json("compute", "service", "list", "--service", "nova-compute")
    return sorted(s["Host"] for s in services)


def _boot(cloud: CloudProcess, name: str, host: str) -> str:
    cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                    "--key-name", "k", "--network", "private", "--availability-zone",
                    f"nova:{host}", "--wait", name)
    guests.wait(cloud, name, "ACTIVE")
    return guests.fixed_ip(cloud, name)


def _pinging(cloud: CloudProcess, source: str, address: str,
             count: int) -> subprocess.Popen[str]:
    """A ping from ``source`` to ``address`` every INTERVAL seconds, ``count`` times."""
    return subprocess.Popen(
        [str(BIN / "nimbus"), "ssh", "--state-dir", str(cloud.state_dir), "-i",
         str(cloud.key), source, "--",  # type: ignore[attr-defined]
         f"ping -i {INTERVAL} -c {count} -W 1 {address}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})


def _lost(output: str) -> int:
    found = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", output)
    assert found, output
    return int(found.group(1)) - int(found.group(2))


def test_guests_on_two_hosts_talk_and_live_migration_keeps_a_ping(cloud: CloudProcess) -> None:
    first, second = _hosts(cloud)
    _boot(cloud, "mh-a", first)
    b_address = _boot(cloud, "mh-b", second)
    assert guests.host_of(cloud, "mh-b") == second
    # Across hosts: the only path is the network's VXLAN between the two fabrics.
    guests.until(lambda: " 0% packet loss" in guests.ssh(
        cloud, "mh-a", f"ping -c 3 -W 2 {b_address} || true"), timeout=90)
    port = cloud.openstack_json("port", "list", "--server", "mh-b")[0]["ID"]
    for destination in (first, second):
        ping = _pinging(cloud, "mh-a", b_address, count=150)
        time.sleep(3)
        cloud.openstack("server", "migrate", "--live-migration", "--host", destination,
                        "--os-compute-api-version", "2.30", "--wait", "mh-b")
        guests.wait(cloud, "mh-b", "ACTIVE")
        assert guests.host_of(cloud, "mh-b") == destination
        out, _ = ping.communicate(timeout=120)
        assert _lost(out) * INTERVAL < MAX_LOSS_S, out
        # The port is bound where the guest runs, and only there.
        shown = cloud.openstack_json("port", "show", port)
        assert shown["binding_host_id"] == destination
        assert destination in shown["binding_vif_details"]["netns"]
        assert shown["status"] == "ACTIVE"
    cloud.openstack("server", "delete", "--wait", "mh-a", "mh-b")


def _demo(cloud: CloudProcess, *args: str) -> list[dict[str, str]] | dict[str, str]:
    result = cloud.openstack_json(*args, cloud="nimbus-demo")
    assert result is not None
    return result  # type: ignore[no-any-return]


def test_another_projects_guest_cannot_reach_it(cloud: CloudProcess) -> None:
    first, _ = _hosts(cloud)
    victim = _boot(cloud, "mine", first)
    # The other project: a network of its own with the very same addresses.
    key = cloud.key  # type: ignore[attr-defined]
    _demo(cloud, "keypair", "create", "--public-key", f"{key}.pub", "dk")
    for rule in (["--protocol", "tcp", "--dst-port", "22"], ["--protocol", "icmp"]):
        _demo(cloud, "security", "group", "rule", "create", *rule, "default")
    _demo(cloud, "network", "create", "theirs")
    # Its pool keeps clear of the victim's address, which it could otherwise take itself.
    last = int(victim.rsplit(".", 1)[1])
    low = 40 if last < 40 else 10
    _demo(cloud, "subnet", "create", "--network", "theirs", "--subnet-range",
          "10.0.0.0/26", "--allocation-pool", f"start=10.0.0.{low},end=10.0.0.{low + 10}",
          "theirs-v4")
    cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                    "--key-name", "dk", "--network", "theirs", "--wait", "intruder",
                    cloud="nimbus-demo")
    guests.until(lambda: "ACTIVE" in cloud.openstack(
        "server", "show", "intruder", "-f", "value", "-c", "status",
        cloud="nimbus-demo").stdout, timeout=120)

    def from_intruder(command: str) -> str:
        done = subprocess.run(
            [str(BIN / "nimbus"), "ssh", "--state-dir", str(cloud.state_dir), "--cloud",
             "nimbus-demo", "-i", str(key), "intruder", "--", command],
            capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})
        return done.stdout if done.returncode == 0 else ""

    guests.until(lambda: "inet " in from_intruder("ip -4 addr show eth0"), timeout=120)
    assert f" {victim}/" not in from_intruder("ip -4 -o addr show eth0")
    # On its own segment it is answered (by its DHCP server); the victim never answers it.
    dhcp = _demo(cloud, "port", "list", "--network", "theirs", "--device-owner",
                 "network:dhcp", "--long")
    assert isinstance(dhcp, list) and dhcp, dhcp
    server = dhcp[0]["Fixed IP Addresses"][0]["ip_address"]  # type: ignore[index]
    guests.until(lambda: " 0% packet loss" in from_intruder(f"ping -c 2 -W 2 {server} || true"))
    lost = from_intruder(f"ping -c 3 -W 2 {victim} || true")
    assert "100% packet loss" in lost, lost
    # No router serves its network: the metadata service answers from the DHCP namespace,
    # the way there given by DHCP, and it is the intruder's own.
    intruder_id = cloud.openstack_json("server", "show", "intruder", cloud="nimbus-demo")["id"]
    meta = json.loads(from_intruder("wget -qO- http://169.254.169.254/openstack/latest/"
                                    "meta_data.json") or "{}")
    assert meta.get("uuid") == intruder_id and "dk" in meta.get("public_keys", {}), meta
    cloud.openstack("server", "delete", "--wait", "intruder", cloud="nimbus-demo")
    cloud.openstack("server", "delete", "--wait", "mine")
