"""The network extensions in the data plane, with real guests (`nimbus up --real`), driven by
the unmodified `openstack` CLI and checked from inside the guests over SSH."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from nimbus.network.drivers.linux import names
from tests.support import guests
from tests.support.cloud_process import CloudProcess
from tests.support.guests import ssh as _ssh
from tests.support.guests import until as _until

COVERS = [("network", "linux driver: a trunk's subport is a VLAN of the guest's NIC: the "
                      "guest tags it and reaches the subport's network; the trunk and "
                      "subport turn ACTIVE"),
          ("network", "linux driver: a floating IP's port forwarding reaches the guest's SSH "
                      "from the ext namespace on its external port, and stops when deleted"),
          ("network", "linux driver: a QoS bandwidth-limit rule (egress and ingress) caps a "
                      "guest's transfer to another guest (dd | nc), and lifts when removed"),
          ("network", "linux driver: a QoS DSCP-marking rule sets the mark on what the guest "
                      "sends, seen on the receiving guest's tap"),
          ("network", "DNS integration: a server's port takes its hostname as dns_name, and "
                      "another guest on its network resolves that name through the network's "
                      "DHCP server"),
          ("network", "linux driver: a metering label's counter in the router's namespace "
                      "counts the bytes a guest sends out through the gateway"),
          ("orchestration", "real guests: a template's server answers SSH on its floating "
                            "IP from the ext namespace, and its user_data, a SoftwareConfig, "
                            "has run")]

pytestmark = [pytest.mark.functional, pytest.mark.guests]


@pytest.fixture(scope="module")
def real_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudProcess]:
    with guests.real_cloud(tmp_path_factory) as cloud:
        yield cloud


def test_a_trunk_subport_is_a_vlan_inside_the_guest(real_cloud: CloudProcess) -> None:
    cloud = real_cloud
    cloud.openstack("network", "create", "net-vlan")
    cloud.openstack("subnet", "create", "--network", "net-vlan", "--subnet-range",
                    "10.3.0.0/24", "--gateway", "none", "sub-vlan")
    parent = cloud.openstack_json("port", "create", "--network", "private", "trunk-parent")
    # The subport shares the parent's MAC, as Neutron's guide has it: the guest's VLAN
    # interface keeps the NIC's address.
    sub = cloud.openstack_json("port", "create", "--network", "net-vlan", "--mac-address",
                               parent["mac_address"], "trunk-sub")
    address = sub["fixed_ips"][0]["ip_address"]
    cloud.openstack("network", "trunk", "create", "--parent-port", "trunk-parent",
                    "--subport", "port=trunk-sub,segmentation-type=vlan,segmentation-id=101",
                    "trunk1")
    # Something else on the subport's network to reach: a plain guest.
    cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                    "--key-name", "k", "--network", "net-vlan", "--wait", "vm-vlan-peer")
    cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                    "--key-name", "k", "--nic", f"port-id={parent['id']}", "--wait",
                    "vm-trunk")
    _until(lambda: cloud.openstack_json("network", "trunk", "show", "trunk1")["status"]
           == "ACTIVE", timeout=90)
    assert cloud.openstack_json("port", "show", "trunk-sub")["status"] == "ACTIVE"
    peer = guests.fixed_ip(cloud, "vm-vlan-peer")
    _until(lambda: f"inet {peer}/" in _ssh(cloud, "vm-vlan-peer", "ip -4 addr show eth0"))
    # Inside the trunk's guest: VLAN 101 of its NIC is the subport's network.
    _ssh(cloud, "vm-trunk", "ip link add link eth0 name eth0.101 type vlan id 101 && "
                            f"ip addr add {address}/24 dev eth0.101 && "
                            "ip link set eth0.101 up")
    _until(lambda: " 0% packet loss" in _ssh(
        cloud, "vm-trunk", f"ping -c 3 -W 2 -I eth0.101 {peer} || true"), timeout=90)
    # Untagged, the same address is not on that network at all.
    _ssh(cloud, "vm-trunk", "ip link del eth0.101")
    assert "100% packet loss" in _ssh(cloud, "vm-trunk",
                                       f"ping -c 2 -W 2 {peer} || true")
    cloud.openstack("server", "delete", "--wait", "vm-trunk", "vm-vlan-peer")
    cloud.openstack("network", "trunk", "delete", "trunk1")
    cloud.openstack("port", "delete", "trunk-parent", "trunk-sub")


def test_a_port_forwarding_reaches_the_guests_ssh(real_cloud: CloudProcess) -> None:
    cloud = real_cloud
    cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                    "--key-name", "k", "--network", "private", "--wait", "vm-pf")
    port = cloud.openstack_json("port", "list", "--server", "vm-pf")[0]["ID"]
    address = guests.fixed_ip(cloud, "vm-pf")
    fip = str(cloud.openstack_json("floating", "ip", "create", "public")[
        "floating_ip_address"])
    forwarding = cloud.openstack_json(
        "floating", "ip", "port", "forwarding", "create", "--internal-ip-address", address,
        "--port", port, "--internal-protocol-port", "22", "--external-protocol-port", "2222",
        "--protocol", "tcp", fip)
    _until(lambda: guests.from_ext(cloud, fip, "hostname", port=2222).strip() == "vm-pf",
           timeout=90)
    # Only the forwarded port: the floating IP's own port 22 leads nowhere.
    assert guests.from_ext(cloud, fip, "hostname") == ""
    cloud.openstack("floating", "ip", "port", "forwarding", "delete", fip, forwarding["id"])
    _until(lambda: guests.from_ext(cloud, fip, "hostname", port=2222) == "", timeout=30)
    cloud.openstack("server", "delete", "--wait", "vm-pf")
    cloud.openstack("floating", "ip", "delete", fip)


def _transfer_seconds(cloud: CloudProcess, sender: str, receiver: str, kib: int) -> float:
    """How long ``sender`` takes to send ``kib`` KiB to ``receiver`` over TCP, by the
    sender's own clock (``/proc/uptime``); infinite when not all of it arrived."""
    address = guests.fixed_ip(cloud, receiver)
    # The listener's own input must not end (busybox nc quits at its end of input).
    _ssh(cloud, receiver, "rm -f /tmp/got; (sleep 70 | nc -l -p 5001 | wc -c > /tmp/got) "
                          ">/dev/null 2>&1 </dev/null &")
    # A moment for the listener to be there first.
    out = _ssh(cloud, sender, "sleep 1; a=$(cut -d' ' -f1 /proc/uptime); "
                              f"dd if=/dev/zero bs=1024 count={kib} 2>/dev/null | "
                              f"timeout 60 nc {address} 5001; "
                              "b=$(cut -d' ' -f1 /proc/uptime); echo $a $b", timeout=90)
    start, end = (float(v) for v in out.split()[-2:])
    got = _ssh(cloud, receiver, "sleep 1; cat /tmp/got 2>/dev/null || true").strip()
    print(f"{sender} -> {receiver}: {got} bytes in {end - start:.2f} s")
    return end - start if got == str(kib * 1024) else float("inf")


# Reads frames off one device and prints the TOS bytes of the IPv4 packets from one address:
# what reaches the receiving guest, after the bridge has had its say. ETH_P_ALL, since a
# socket of one protocol sees only what a device receives, not what it sends.
_TOS_READER = """
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((sys.argv[1], 0))
s.settimeout(1)
src, seen, end = socket.inet_aton(sys.argv[2]), [], time.time() + float(sys.argv[3])
print("listening", flush=True)
while time.time() < end and len(seen) < 3:
    try:
        frame = s.recv(2048)
    except TimeoutError:
        continue
    if frame[12:14] == b"\\x08\\x00" and frame[26:30] == src:
        seen.append(frame[15])
print(sorted(set(seen)))
"""


def _tos_of(cloud: CloudProcess, sender: str, receiver: str) -> list[int]:
    """The TOS bytes of the pings ``sender`` sends, as they reach ``receiver``'s tap."""
    tap = names.tap(cloud.openstack_json("port", "list", "--server", receiver)[0]["ID"])
    # The fabric that holds the tap (one per host when the machine plays several).
    [fabric] = [n for n in guests.namespaces(cloud) if "-fabric" in n and subprocess.run(
        ["ip", "-n", n, "link", "show", "dev", tap], capture_output=True).returncode == 0]
    reader = subprocess.Popen(["ip", "netns", "exec", fabric, "python3", "-c", _TOS_READER,
                               tap, guests.fixed_ip(cloud, sender), "60"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdout.readline().strip() == "listening"
    _ssh(cloud, sender, f"ping -c 5 -i 0.5 -W 2 {guests.fixed_ip(cloud, receiver)} || true")
    out, err = reader.communicate(timeout=90)
    print(f"TOS of {sender} -> {receiver}: {out.strip()} {err.strip()}")
    return [int(v) for v in out.strip().strip("[]").split(",") if v.strip()]


def test_qos_rules_cap_and_mark_a_guests_traffic(real_cloud: CloudProcess) -> None:
    cloud = real_cloud
    for name in ("vm-qa", "vm-qb"):
        cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                        "--key-name", "k", "--network", "private", "--wait", name)
    for name in ("vm-qa", "vm-qb"):
        address = guests.fixed_ip(cloud, name)
        _until(lambda n=name, a=address: f"inet {a}/" in _ssh(cloud, n, "ip -4 addr show eth0"))
    times: list[float] = []
    _until(lambda: times.append(_transfer_seconds(cloud, "vm-qa", "vm-qb", 640)) is None
           and times[-1] < 60, timeout=90)
    free = times[-1]
    cloud.openstack("network", "qos", "policy", "create", "slow")
    cloud.openstack("network", "qos", "rule", "create", "--type", "bandwidth-limit",
                    "--max-kbps", "1000", "--max-burst-kbits", "100", "--egress", "slow")
    port = cloud.openstack_json("port", "list", "--server", "vm-qa")[0]["ID"]
    cloud.openstack("port", "set", "--qos-policy", "slow", port)
    # 640 KiB is 5,243 kbit: at 1,000 kbit/s, over 4 s after its burst.
    _until(lambda: 4 < _transfer_seconds(cloud, "vm-qa", "vm-qb", 640) < 60, timeout=120)
    # The same rule the other way: what the guest receives.
    cloud.openstack("network", "qos", "rule", "create", "--type", "bandwidth-limit",
                    "--max-kbps", "1000", "--max-burst-kbits", "100", "--ingress", "slow")
    _until(lambda: 4 < _transfer_seconds(cloud, "vm-qb", "vm-qa", 640) < 60, timeout=120)
    cloud.openstack("port", "unset", "--qos-policy", port)
    _until(lambda: _transfer_seconds(cloud, "vm-qa", "vm-qb", 640) < max(free * 2, 2),
           timeout=120)
    # DNS: each port is named for its server, and the network's server answers for it.
    port_b = cloud.openstack_json("port", "list", "--server", "vm-qb", "--long")[0]
    shown = cloud.openstack_json("port", "show", port_b["ID"])
    assert shown["dns_name"] == "vm-qb"
    address_b = guests.fixed_ip(cloud, "vm-qb")
    assert shown["dns_assignment"][0]["fqdn"] == "vm-qb.nimbus.internal."
    _until(lambda: address_b in _ssh(cloud, "vm-qa", "nslookup vm-qb 2>&1 || true"),
           timeout=60)
    assert address_b in _ssh(cloud, "vm-qa", "nslookup vm-qb.nimbus.internal 2>&1 || true")
    # DSCP: the guest sends with TOS 0; AF41 (34) is what leaves its port under the rule.
    assert _tos_of(cloud, "vm-qa", "vm-qb") == [0]
    cloud.openstack("network", "qos", "policy", "create", "marked")
    cloud.openstack("network", "qos", "rule", "create", "--type", "dscp-marking",
                    "--dscp-mark", "34", "marked")
    cloud.openstack("port", "set", "--qos-policy", "marked", port)
    _until(lambda: _tos_of(cloud, "vm-qa", "vm-qb") == [34 << 2], timeout=90)
    cloud.openstack("server", "delete", "--wait", "vm-qa", "vm-qb")
    cloud.openstack("network", "qos", "policy", "delete", "slow", "marked")


def _label_bytes(cloud: CloudProcess, router_id: str, label_id: str) -> int:
    """What the label's counter in the router's namespace counted so far."""
    [namespace] = [n for n in guests.namespaces(cloud) if n.endswith(f"-r-{router_id}")]
    done = subprocess.run(["ip", "netns", "exec", namespace, "nft", "-j", "list", "counters",
                           "table", "ip", "nimbus-meter"], capture_output=True, text=True,
                          timeout=30, check=False)
    if done.returncode != 0:
        return 0
    name = "label_" + label_id.replace("-", "_")
    return sum(int(item["counter"]["bytes"]) for item in json.loads(done.stdout)["nftables"]
               if item.get("counter", {}).get("name") == name)


def test_a_metering_label_counts_a_transfer(real_cloud: CloudProcess) -> None:
    cloud = real_cloud
    cloud.openstack("server", "create", "--image", "nimbus-guest", "--flavor", "m1.tiny",
                    "--key-name", "k", "--network", "private", "--wait", "vm-meter")
    router = cloud.openstack_json("router", "show", "router1")["id"]
    label = cloud.openstack_json("network", "meter", "create", "--share", "out")
    cloud.openstack("network", "meter", "rule", "create", "--egress", "--remote-ip-prefix",
                    "0.0.0.0/0", "out")
    # What goes to one address is left out of the count.
    cloud.openstack("network", "meter", "rule", "create", "--egress", "--exclude",
                    "--remote-ip-prefix", "172.24.4.1/32", "out")
    other = cloud.openstack_json("network", "meter", "create", "--share", "in-only")
    cloud.openstack("network", "meter", "rule", "create", "--egress", "--remote-ip-prefix",
                    "172.24.4.0/24", "in-only")
    _until(lambda: "172.24.4.0/24" in subprocess.run(
        ["ip", "netns", "exec", *[n for n in guests.namespaces(cloud)
                                  if n.endswith(f"-r-{router}")], "nft", "list", "table", "ip",
         "nimbus-meter"], capture_output=True, text=True, check=False).stdout, timeout=60)
    before = _label_bytes(cloud, router, other["id"])
    # 20 pings of 1,000 bytes out through the router to the external gateway.
    assert " 0% packet loss" in _ssh(cloud, "vm-meter",
                                      "ping -c 20 -i 0.2 -s 1000 -W 2 172.24.4.1 || true")
    counted = _label_bytes(cloud, router, other["id"]) - before
    assert 20 * 1028 <= counted < 40 * 1028, counted
    # The excluded address is not in the first label's count.
    assert _label_bytes(cloud, router, label["id"]) < 20 * 1028
    cloud.openstack("network", "meter", "delete", "out", "in-only")
    cloud.openstack("server", "delete", "--wait", "vm-meter")


HEAT_TEMPLATE = """
heat_template_version: 2018-08-31
resources:
  boot:
    type: OS::Heat::SoftwareConfig
    properties:
      group: ungrouped
      config: |
        #!/bin/sh
        echo configured-by-heat > /root/from-heat
  server:
    type: OS::Nova::Server
    properties:
      name: heat-vm
      image: nimbus-guest
      flavor: m1.tiny
      key_name: k
      networks: [{network: private}]
      user_data_format: RAW
      user_data: {get_resource: boot}
  address:
    type: OS::Neutron::FloatingIP
    properties:
      floating_network: public
      port_id: {get_attr: [server, addresses, private, 0, port]}
outputs:
  ip: {value: {get_attr: [address, floating_ip_address]}}
"""


def test_a_stacks_server_answers_ssh_on_its_floating_ip(real_cloud: CloudProcess,
                                                        tmp_path: Any) -> None:
    cloud = real_cloud
    template = tmp_path / "stack.yaml"
    template.write_text(HEAT_TEMPLATE)
    cloud.openstack("stack", "create", "-t", str(template), "--wait", "guests", timeout=600)
    shown = cloud.openstack_json("stack", "show", "guests")
    assert shown["stack_status"] == "CREATE_COMPLETE", shown["stack_status_reason"]
    address = cloud.openstack_json("stack", "output", "show", "guests", "ip")["output_value"]
    _until(lambda: guests.from_ext(cloud, address, "cat /root/from-heat").strip()
           == "configured-by-heat", timeout=240)
    cloud.openstack("stack", "delete", "--yes", "--wait", "guests", timeout=300)
    assert not any(s["Name"] == "heat-vm" for s in cloud.openstack_json("server", "list"))
