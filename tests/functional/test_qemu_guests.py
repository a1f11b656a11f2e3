"""Real guests: `nimbus up --real` with the qemu driver, driven by the unmodified `openstack`
CLI, and checked from inside the guest over SSH (`nimbus ssh`).

The guest is the project's test image (built from Debian packages by `nimbus guest-image`).
It boots under KVM when the machine really has it, else under TCG; every check here reads
the guest itself: its hostname, a file its user_data wrote, its uptime across power actions,
a file kept through a snapshot, and its QEMU surviving a `kill -9` of the cloud.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.sync.client import connect as ws_connect
from websockets.typing import Subprotocol

from tests.support import guests
from tests.support.cloud_process import CloudProcess
from tests.support.guests import fixed_ip as _fixed_ip
from tests.support.guests import from_ext as _from_ext
from tests.support.guests import host_of as _host_of
from tests.support.guests import namespaces as _namespaces
from tests.support.guests import qemu_pids as _qemu_pids
from tests.support.guests import ssh as _ssh
from tests.support.guests import until as _until
from tests.support.guests import uptime as _uptime
from tests.support.guests import volume_status as _volume_status
from tests.support.guests import wait as _wait

COVERS = [("compute", "qemu driver: boot the test guest with a key and user_data, SSH in"),
          ("compute", "qemu driver: stop/start, soft and hard reboot, pause, suspend and "
                      "resume, seen inside the guest"),
          ("compute", "qemu driver: console log, snapshot keeps the disk, guests outlive a "
                      "kill -9 of the cloud"),
          ("compute", "qemu driver: resize (memory and disk seen in the guest), live "
                      "migration between two hosts (uptime kept), rescue, shelve/unshelve"),
          ("compute", "qemu driver: the noVNC console URL's websocket does the RFB handshake "
                      "with the guest's VNC server"),
          ("compute", "qemu driver: server add/remove port hot-plugs a NIC the guest sees"),
          ("network", "linux driver: network agent list shows the host's four agents alive"),
          ("network", "linux driver: two guests on one network get their ports' addresses "
                      "by DHCP and reach each other; a guest sending from an address its port "
                      "lacks is cut off; a clean stop leaves no namespace"),
          ("network", "linux driver: a floating IP answers SSH from the ext namespace (nimbus "
                      "netns exec) and stops when removed; SNAT out; a router routes between "
                      "two networks"),
          ("network", "linux driver: a guest reads its own meta_data.json (uuid, key) from "
                      "169.254.169.254 through its router's proxy, signed for compute"),
          ("network", "linux driver: security groups are stateful nftables rules per port: "
                      "SSH blocked without a rule, let in once one exists, blocked again when "
                      "it is deleted"),
          ("volume", "file driver: a volume made from an image boots a server (boot from "
                     "volume)"),
          ]

pytestmark = [pytest.mark.functional, pytest.mark.guests]
READY = "nimbus-guest: ready"


@pytest.fixture(scope="module")
def real_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    with guests.real_cloud(tmp_path_factory) as cloud:
        yield cloud


def test_boot_with_key_and_user_data(real_cloud: CloudProcess, tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho written-by-user-data > /root/from-user-data\n")
    created = real_cloud.openstack_json(
        "server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny", "--key-name", "k",
        "--user-data", str(script), "--network", "private", "--wait", "vm1")
    assert created["status"] == "ACTIVE"
    assert _ssh(real_cloud, "vm1", "hostname").strip() == "vm1"
    assert _ssh(real_cloud, "vm1", "cat /root/from-user-data").strip() == "written-by-user-data"
    log = real_cloud.openstack("console", "log", "show", "vm1").stdout
    assert "Linux version" in log and READY in log and "host=vm1" in log
    for tool in ("ip", "ping", "nc", "dd", "mkfs"):
        _ssh(real_cloud, "vm1", f"command -v {tool}")


def test_power_actions_are_seen_inside_the_guest(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    _ssh(real_cloud, "vm1", "echo kept > /root/kept; sync")
    # Paused: the guest's clock stands still while the wall clock goes on.
    before, began = _uptime(real_cloud, "vm1"), time.monotonic()
    real_cloud.openstack("server", "pause", "vm1")
    _wait(real_cloud, "vm1", "PAUSED")
    time.sleep(6)
    real_cloud.openstack("server", "unpause", "vm1")
    _wait(real_cloud, "vm1", "ACTIVE")
    after, wall = _uptime(real_cloud, "vm1"), time.monotonic() - began
    assert before < after < before + wall - 4, (before, after, wall)
    # Suspended: the same running system comes back (no new boot), its memory restored, and
    # the time it spent saved to disk is not in its uptime.
    began = time.monotonic()
    real_cloud.openstack("server", "suspend", "vm1")
    _wait(real_cloud, "vm1", "SUSPENDED")
    assert _qemu_pids(real_cloud.state_dir) == []
    time.sleep(6)
    real_cloud.openstack("server", "resume", "vm1")
    _wait(real_cloud, "vm1", "ACTIVE")
    resumed, wall = _uptime(real_cloud, "vm1"), time.monotonic() - began
    assert after < resumed < after + wall - 4, (after, resumed, wall)
    # Each of these boots the guest again: its uptime starts over, its disk stays.
    for action in (["server", "stop", "vm1"], ["server", "reboot", "--hard", "vm1"],
                   ["server", "reboot", "--soft", "vm1"]):
        up = _uptime(real_cloud, "vm1")
        real_cloud.openstack(*action)
        if action[1] == "stop":
            _wait(real_cloud, "vm1", "SHUTOFF")
            assert "shutting down" in real_cloud.openstack("console", "log", "show",
                                                           "vm1").stdout
            real_cloud.openstack("server", "start", "vm1")
        else:
            time.sleep(2)
        _wait(real_cloud, "vm1", "ACTIVE")
        again = _uptime(real_cloud, "vm1")
        assert again < up or again < 30, (action, up, again)
        assert _ssh(real_cloud, "vm1", "cat /root/kept").strip() == "kept"


def test_snapshot_keeps_the_disk(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    _ssh(real_cloud, "vm1", "echo before-snapshot > /root/snap-file; sync")
    real_cloud.openstack("server", "image", "create", "--name", "vm1-snap", "--wait", "vm1")
    image = real_cloud.openstack_json("image", "show", "vm1-snap")
    assert image["status"] == "active" and image["disk_format"] == "qcow2"
    real_cloud.openstack("server", "create", "--image", "vm1-snap", "--flavor", "m1.tiny",
                         "--key-name", "k", "--network", "private", "--wait", "vm2")
    assert _ssh(real_cloud, "vm2", "cat /root/snap-file").strip() == "before-snapshot"
    assert _ssh(real_cloud, "vm2", "hostname").strip() == "vm2"
    real_cloud.openstack("server", "delete", "--wait", "vm2")


def _nics(cloud: CloudProcess, server: str) -> set[str]:
    return set(_ssh(cloud, server, "ls /sys/class/net").split()) - {"lo"}


def test_an_interface_is_plugged_into_the_running_guest(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    before = _nics(real_cloud, "vm1")
    # On a network of its own, as tempest's hot-plug test does: a second NIC on the same
    # subnet would make the guest answer on one NIC from the other's address, which the
    # anti-spoofing rules rightly drop.
    real_cloud.openstack("network", "create", "net-plug")
    real_cloud.openstack("subnet", "create", "--network", "net-plug", "--subnet-range",
                         "10.2.0.0/24", "sub-plug")
    real_cloud.openstack("port", "create", "--network", "net-plug", "extra-port")
    real_cloud.openstack("server", "add", "port", "vm1", "extra-port")
    _until(lambda: len(_nics(real_cloud, "vm1")) == len(before) + 1)
    added = sorted(_nics(real_cloud, "vm1") - before)[0]
    # The guest brings it up with DHCP, as it does its NICs at boot.
    _until(lambda: "inet " in _ssh(real_cloud, "vm1", f"ip -4 addr show {added}"))
    real_cloud.openstack("server", "remove", "port", "vm1", "extra-port")
    _until(lambda: _nics(real_cloud, "vm1") == before)
    real_cloud.openstack("port", "delete", "extra-port")
    real_cloud.openstack("network", "delete", "net-plug")


def test_a_volume_made_from_the_image_boots(real_cloud: CloudProcess) -> None:
    real_cloud.openstack("volume", "create", "--image", "nimbus-guest", "--size", "1",
                         "boot-vol")
    _volume_status(real_cloud, "boot-vol", "available")
    real_cloud.openstack("server", "create", "--volume", "boot-vol", "--flavor", "m1.tiny",
                         "--key-name", "k", "--network", "private", "--wait", "vm-bfv")
    assert _ssh(real_cloud, "vm-bfv", "hostname").strip() == "vm-bfv"
    _ssh(real_cloud, "vm-bfv", "echo on-the-volume > /root/bfv; sync")
    real_cloud.openstack("server", "delete", "--wait", "vm-bfv")
    _volume_status(real_cloud, "boot-vol", "available")
    # The guest's root file system lives on the volume, which outlives the server.
    volume_id = real_cloud.openstack_json("volume", "show", "boot-vol")["id"]
    path = real_cloud.state_dir / "volumes" / f"volume-{volume_id}.qcow2"
    assert path.stat().st_size > 1024 * 1024
    real_cloud.openstack("volume", "delete", "boot-vol")


def test_resize_and_migrations_keep_the_guest(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    _ssh(real_cloud, "vm1", "echo moved-along > /root/moved; sync")
    # Resize to a larger flavor: the guest sees the memory and the disk.
    small = real_cloud.openstack_json("flavor", "show", "m1.small")
    real_cloud.openstack("server", "resize", "--flavor", "m1.small", "--wait", "vm1")
    _wait(real_cloud, "vm1", "VERIFY_RESIZE")
    real_cloud.openstack("server", "resize", "confirm", "vm1")
    _wait(real_cloud, "vm1", "ACTIVE")
    mem_kb = int(_ssh(real_cloud, "vm1", "sed -n 's/MemTotal: *\\([0-9]*\\).*/\\1/p' "
                                         "/proc/meminfo"))
    assert mem_kb > (int(small["ram"]) - 256) * 1024, mem_kb
    sectors = int(_ssh(real_cloud, "vm1", "cat /sys/block/vda/size"))
    assert sectors * 512 == int(small["disk"]) * 1024 ** 3
    assert _ssh(real_cloud, "vm1", "cat /root/moved").strip() == "moved-along"
    # Live migration to the other host: the same running system (its uptime goes on).
    before_host, up = _host_of(real_cloud, "vm1"), _uptime(real_cloud, "vm1")
    real_cloud.openstack("server", "migrate", "--live-migration", "--wait", "vm1")
    _wait(real_cloud, "vm1", "ACTIVE")
    assert _host_of(real_cloud, "vm1") != before_host
    assert _uptime(real_cloud, "vm1") > up
    assert _ssh(real_cloud, "vm1", "cat /root/moved").strip() == "moved-along"


def test_rescue_and_shelve_keep_the_disk(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    _ssh(real_cloud, "vm1", "echo still-here > /root/rescued; sync")
    real_cloud.openstack("server", "rescue", "vm1")
    _wait(real_cloud, "vm1", "RESCUE")
    # The rescue system sees the guest's own disk beside its own.
    assert len(_ssh(real_cloud, "vm1", "ls /dev/vd?").split()) >= 3
    real_cloud.openstack("server", "unrescue", "vm1")
    _wait(real_cloud, "vm1", "ACTIVE")
    assert _ssh(real_cloud, "vm1", "cat /root/rescued").strip() == "still-here"
    real_cloud.openstack("server", "shelve", "vm1")
    _wait(real_cloud, "vm1", "SHELVED_OFFLOADED", timeout=180)
    real_cloud.openstack("server", "unshelve", "vm1")
    _wait(real_cloud, "vm1", "ACTIVE", timeout=180)
    assert _ssh(real_cloud, "vm1", "cat /root/rescued").strip() == "still-here"
    assert _ssh(real_cloud, "vm1", "hostname").strip() == "vm1"


def test_the_network_agents_report_themselves_alive(real_cloud: CloudProcess) -> None:
    agents = real_cloud.openstack_json("network", "agent", "list")
    # The first host is also the network node; the second runs only its Linux bridge agent.
    by_host: dict[str, list[str]] = {}
    for agent in agents:
        by_host.setdefault(agent["Host"], []).append(agent["Agent Type"])
    assert sorted(sorted(kinds) for kinds in by_host.values()) == [
        ["DHCP agent", "L3 agent", "Linux bridge agent", "Metadata agent"],
        ["Linux bridge agent"]], by_host
    assert all(a["Alive"] and a["State"] for a in agents), agents
    l3 = real_cloud.openstack_json("network", "agent", "list", "--agent-type", "l3")
    assert [a["Binary"] for a in l3] == ["neutron-l3-agent"]


def test_the_novnc_console_reaches_the_guests_vnc_server(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    url = real_cloud.openstack_json("console", "url", "show", "--novnc", "vm1")["url"]
    parts = urlsplit(url)
    # The noVNC page opens its websocket at "/" + its ``path`` parameter.
    path = "/" + parse_qs(parts.query)["path"][0]
    with ws_connect(f"ws://{parts.netloc}{path}", subprotocols=[Subprotocol("binary")],
                    open_timeout=10) as ws:
        greeting = b""
        while len(greeting) < 12:
            chunk = ws.recv(timeout=10)
            greeting += chunk if isinstance(chunk, bytes) else chunk.encode()
        # QEMU's own VNC server, answering through the proxy.
        assert greeting[:12] == b"RFB 003.008\n"
        ws.send(b"RFB 003.008\n")
        types = ws.recv(timeout=10)
        assert isinstance(types, bytes) and len(types) >= 2 and types[0] >= 1


def test_two_servers_on_one_network_reach_each_other(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    assert "network:  linux" in real_cloud.output()
    real_cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                         "--key-name", "k", "--network", "private", "--wait", "vm-c")
    address = _fixed_ip(real_cloud, "vm-c")
    port = real_cloud.openstack_json("port", "list", "--server", "vm-c", "--long")[0]
    shown = real_cloud.openstack_json("port", "show", port["ID"])
    assert shown["binding_vif_type"] == "tap" and shown["status"] == "ACTIVE"
    # The guest took its port's address from the network's dnsmasq, and its MTU (VXLAN's).
    _until(lambda: f"inet {address}/" in _ssh(real_cloud, "vm-c", "ip -4 addr show eth0"))
    assert _ssh(real_cloud, "vm-c", "cat /sys/class/net/eth0/mtu").strip() == "1450"
    _until(lambda: " 0% packet loss" in _ssh(real_cloud, "vm1",
                                              f"ping -c 3 -W 2 {address} || true"))
    # An address its port does not have: what the guest sends from it is dropped.
    spoofed = _ssh(real_cloud, "vm1", "ip addr add 10.0.0.60/26 dev eth0; "
                                      f"ping -c 2 -W 2 -I 10.0.0.60 {address}; "
                                      "ip addr del 10.0.0.60/26 dev eth0; true")
    assert "100% packet loss" in spoofed, spoofed
    # Everything lives in the cloud's own namespaces: each host's fabric, the underlay that
    # joins them, and the network's DHCP.
    found = _namespaces(real_cloud)
    assert len([n for n in found if "-fabric-" in n]) == 2, found
    assert any(n.endswith("-underlay") for n in found), found
    real_cloud.openstack("server", "delete", "--wait", "vm-c")


def test_a_floating_ip_answers_ssh_from_outside_and_routers_route(
        real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    fip = str(real_cloud.openstack_json("floating", "ip", "create", "public")[
        "floating_ip_address"])
    real_cloud.openstack("server", "add", "floating", "ip", "vm1", fip)
    _until(lambda: _from_ext(real_cloud, fip, "hostname").strip() == "vm1")
    # Out through the router (SNAT, as the floating IP): the external gateway answers.
    assert " 0% packet loss" in _ssh(real_cloud, "vm1", "ping -c 2 -W 2 172.24.4.1 || true")
    # The metadata service, through the router's proxy: the guest's own id and key.
    uuid = str(real_cloud.openstack_json("server", "show", "vm1")["id"])
    meta = json.loads(_ssh(real_cloud, "vm1", "wget -qO- http://169.254.169.254/openstack/"
                                              "latest/meta_data.json"))
    assert meta["uuid"] == uuid and "k" in meta["public_keys"]
    # A server on another network behind the same router reaches vm1's fixed address.
    real_cloud.openstack("network", "create", "net-b")
    real_cloud.openstack("subnet", "create", "--network", "net-b", "--subnet-range",
                         "10.1.0.0/24", "sub-b")
    real_cloud.openstack("router", "add", "subnet", "router1", "sub-b")
    real_cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                         "--key-name", "k", "--network", "net-b", "--wait", "vm-d")
    fixed = _fixed_ip(real_cloud, "vm1")
    _until(lambda: " 0% packet loss" in _ssh(real_cloud, "vm-d",
                                              f"ping -c 2 -W 2 {fixed} || true"))
    real_cloud.openstack("server", "remove", "floating", "ip", "vm1", fip)
    _until(lambda: _from_ext(real_cloud, fip, "hostname") == "")
    # A server whose only group lets nothing in: SSH times out until a rule lets it in, and
    # is blocked again once the rule is gone.
    real_cloud.openstack("security", "group", "create", "shut")
    real_cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                         "--key-name", "k", "--network", "private", "--security-group", "shut",
                         "--wait", "vm-e")
    real_cloud.openstack("server", "add", "floating", "ip", "vm-e", fip)
    time.sleep(15)  # booted and serving SSH by now (the shut port cannot say so)
    assert _from_ext(real_cloud, fip, "hostname") == ""
    rule = real_cloud.openstack_json("security", "group", "rule", "create", "--protocol", "tcp",
                                     "--dst-port", "22", "shut")["id"]
    _until(lambda: _from_ext(real_cloud, fip, "hostname").strip() == "vm-e", timeout=30)
    real_cloud.openstack("security", "group", "rule", "delete", str(rule))
    _until(lambda: _from_ext(real_cloud, fip, "hostname") == "", timeout=30)
    real_cloud.openstack("server", "delete", "--wait", "vm-e")
    real_cloud.openstack("security", "group", "delete", "shut")
    real_cloud.openstack("server", "delete", "--wait", "vm-d")
    real_cloud.openstack("router", "remove", "subnet", "router1", "sub-b")
    real_cloud.openstack("network", "delete", "net-b")
    real_cloud.openstack("floating", "ip", "delete", fip)


def test_a_clean_stop_shuts_guests_down_and_the_next_start_boots_them(
        real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    _ssh(real_cloud, "vm1", "echo across-restarts > /root/restarted; sync")
    assert real_cloud.stop() == 0
    assert _qemu_pids(real_cloud.state_dir) == []
    # Nothing of the data plane is left on the machine.
    assert _namespaces(real_cloud) == []
    assert f"{real_cloud.state_dir}" not in subprocess.run(
        ["pgrep", "-af", "dnsmasq"], capture_output=True, text=True, check=False).stdout
    log = next((real_cloud.state_dir / "instances").glob("*/*-*-*-*-*/console.log"))
    assert "shutting down" in log.read_text(errors="replace")
    real_cloud.start(timeout=120)
    _wait(real_cloud, "vm1", "ACTIVE")
    assert len(_qemu_pids(real_cloud.state_dir)) == 1
    assert _ssh(real_cloud, "vm1", "cat /root/restarted").strip() == "across-restarts"


def test_guests_outlive_a_kill_of_the_cloud(real_cloud: CloudProcess) -> None:
    _wait(real_cloud, "vm1", "ACTIVE")
    up = _uptime(real_cloud, "vm1")
    pids = _qemu_pids(real_cloud.state_dir)
    assert len(pids) == 1
    assert real_cloud.proc is not None
    os.killpg(real_cloud.proc.pid, signal.SIGKILL)
    real_cloud.proc.wait()
    assert _qemu_pids(real_cloud.state_dir) == pids
    real_cloud.start(timeout=120)
    # The same QEMU, found again: the guest did not boot again.
    assert _qemu_pids(real_cloud.state_dir) == pids
    assert _uptime(real_cloud, "vm1") > up
    real_cloud.openstack("server", "stop", "vm1")
    _wait(real_cloud, "vm1", "SHUTOFF")
    assert _qemu_pids(real_cloud.state_dir) == []
    ports = [p["ID"] for p in real_cloud.openstack_json("port", "list", "--server", "vm1")]
    real_cloud.openstack("server", "delete", "--wait", "vm1")
    leftovers = list((real_cloud.state_dir / "instances").glob("*/*-*-*-*-*"))
    assert leftovers == [], leftovers
    # The restarted agents took over what the killed ones made: the deleted guest's taps go,
    # and nothing was ever made in the machine's own namespace.
    _until(lambda: guests.leftovers(real_cloud, ports) == [], timeout=30)


def _failed_boot(cloud: CloudProcess, image_file: Path, name: str) -> str | None:
    """The fault of a server booted from ``image_file`` (uploaded as qcow2), which must end in
    ERROR; None when the image service already refused the file."""
    made = cloud.openstack("image", "create", "--disk-format", "qcow2", "--container-format",
                           "bare", "--file", str(image_file), name, check=False)
    if made.returncode != 0:
        return None
    cloud.openstack("server", "create", "--image", name, "--flavor", "m1.tiny", "--network",
                    "private", f"{name}-vm")
    deadline = time.monotonic() + 60
    shown: dict[str, object] = {}
    while time.monotonic() < deadline:
        shown = cloud.openstack_json("server", "show", f"{name}-vm")
        if shown["status"] == "ERROR":
            break
        time.sleep(1)
    assert shown["status"] == "ERROR", shown["status"]
    cloud.openstack("server", "delete", "--wait", f"{name}-vm")
    return str(shown.get("fault"))


def test_images_that_must_not_reach_qemu_never_do(real_cloud: CloudProcess,
                                                   tmp_path: Path) -> None:
    pids = set(_qemu_pids(real_cloud.state_dir))
    liar = tmp_path / "not-qcow2.img"
    liar.write_bytes(b"\0" * 1024 * 1024)
    fault = _failed_boot(real_cloud, liar, "liar")
    assert fault is not None and re.search(r"raw but its disk_format is qcow2", fault), fault
    backing = tmp_path / "backing.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(backing), "64M"], check=True)
    child = tmp_path / "child.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                    str(backing), str(child)], check=True)
    fault = _failed_boot(real_cloud, child, "with-backing")
    # Refused by the image service at upload, or by the compute host before QEMU.
    assert fault is None or "backing" in fault, fault
    assert set(_qemu_pids(real_cloud.state_dir)) <= pids


def test_a_flavor_too_small_for_the_image_fails_with_a_clear_fault(real_cloud: CloudProcess,
                                                                   tmp_path: Path) -> None:
    big = tmp_path / "big.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(big), "4G"], check=True)
    fault = _failed_boot(real_cloud, big, "four-gb")
    assert fault is not None and "Flavor's disk is too small" in fault, fault
