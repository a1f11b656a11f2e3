"""Security groups on real networks: stateful nftables rules for each guest port, in the fabric.

The kernel has no connection tracking for the bridge family, so the rules live in an ``inet``
table, which bridged IP traffic reaches through br_netfilter. That hook knows the bridge, not
the port, so a ``bridge`` table first marks each packet with the index of the guest port it
comes from (low 16 bits) and the one it goes to (high 16 bits); the ``inet`` forward chain
sends it through the sender's egress chain and the receiver's ingress chain, each of which
returns when a rule allows it and drops otherwise. Replies of allowed connections pass by
conntrack. DHCP with the network's server always passes. The ``bridge`` table also drops what a
guest sends with a MAC or IP that is not its port's (or an allowed address pair's). Ports
without port security are not filtered at all. The whole ruleset is replaced atomically.
"""

from __future__ import annotations

import hashlib
import ipaddress
import subprocess
from dataclasses import dataclass

from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.ip import Ip, IpError
from nimbus.network.drivers.linux.model import PortRec, RuleRec


@dataclass(frozen=True)
class Filtered:
    """A guest port whose traffic is filtered: its groups' rules and its addresses."""

    port: PortRec
    # Security-group rules of the port's groups, with remote groups resolved to addresses
    # and remote address groups to their prefixes.
    rules: tuple[tuple[RuleRec, tuple[str, ...]], ...]


def _family(rule: RuleRec) -> str:
    return "ip6" if rule.ethertype == "IPv6" else "ip"


def _protocol(rule: RuleRec) -> list[str]:
    proto = (rule.protocol or "").lower()
    if proto in ("", "any"):
        return []
    if proto in ("tcp", "udp", "sctp"):
        if rule.port_min is None:
            return [f"meta l4proto {proto}"]
        high = rule.port_max if rule.port_max is not None else rule.port_min
        ports = str(rule.port_min) if high == rule.port_min else f"{rule.port_min}-{high}"
        return [f"{proto} dport {ports}"]
    if proto in ("icmp", "icmpv6", "ipv6-icmp"):
        kind = "icmpv6" if rule.ethertype == "IPv6" else "icmp"
        parts = [f"meta l4proto {'ipv6-icmp' if kind == 'icmpv6' else 'icmp'}"]
        if rule.port_min is not None:
            parts.append(f"{kind} type {rule.port_min}")
            if rule.port_max is not None:
                parts.append(f"{kind} code {rule.port_max}")
        return parts
    number = int(proto) if proto.isdigit() else None
    return [f"meta l4proto {number if number is not None else proto}"]


# What passes whatever the groups say, as in Neutron: DHCP with the network's server, and the
# ICMPv6 a guest needs to find its router and neighbours (router advertisements only inbound:
# a guest never sends one, ``_spoof6``).
_ND = "nd-neighbor-solicit, nd-neighbor-advert"
ALWAYS = {
    "egress": ["udp sport 68 udp dport 67 return", "udp sport 546 udp dport 547 return",
               f"icmpv6 type {{ nd-router-solicit, {_ND}, mld-listener-report, "
               "mld2-listener-report } return"],
    "ingress": ["udp sport 67 udp dport 68 return", "udp sport 547 udp dport 546 return",
                f"icmpv6 type {{ nd-router-advert, {_ND}, mld-listener-query }} return"],
}


def link_local(mac: str) -> str:
    """The EUI-64 link-local address a guest's kernel gives the NIC with ``mac``."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02
    eui = octets[:3] + [0xFF, 0xFE] + octets[3:]
    return str(ipaddress.IPv6Address(bytes([0xFE, 0x80] + [0] * 6 + eui)))


def _spoof6(tap: str, port: PortRec, macs: list[str]) -> list[str]:
    """The IPv6 half of anti-spoofing: the port's addresses, its link-local ones and the
    unspecified address of duplicate address detection; no router advertisement, no DHCPv6
    answer from a guest."""
    ips6 = sorted({a for _, a in port.ips if ":" in a}
                  | {ip for ip, _ in port.allowed_pairs if ip and ":" in ip}
                  | {link_local(m) for m in macs})
    return [f'        iifname "{tap}" ether type ip6 ip6 saddr != {{ ::, {", ".join(ips6)} }} '
            "drop",
            f'        iifname "{tap}" icmpv6 type nd-router-advert drop',
            f'        iifname "{tap}" udp sport 547 drop']


def _prefixes(family: str, remotes: tuple[str, ...]) -> list[str] | None:
    """An address group's prefixes of the rule's family, overlapping and adjacent ones merged
    (the same addresses): a set without overlapping intervals is one every nft version takes,
    whether or not it merges them itself. None when one is every address (nothing to match)."""
    parsed = [ipaddress.ip_network(r, strict=False) for r in remotes]
    merged: list[ipaddress.IPv4Network] | list[ipaddress.IPv6Network]
    if family == "ip6":
        merged = list(ipaddress.collapse_addresses(
            n for n in parsed if isinstance(n, ipaddress.IPv6Network)))
    else:
        merged = list(ipaddress.collapse_addresses(
            n for n in parsed if isinstance(n, ipaddress.IPv4Network)))
    if any(n.prefixlen == 0 for n in merged):
        return None
    return [str(n) for n in merged]


def rule_line(rule: RuleRec, remotes: tuple[str, ...]) -> str | None:
    """One security-group rule as an nftables match ending in ``return`` (allowed); None
    when it can match nothing (a remote group, or address group, with no address of its
    family)."""
    family = _family(rule)
    side = "saddr" if rule.direction == "ingress" else "daddr"
    parts = [f"meta nfproto {'ipv6' if family == 'ip6' else 'ipv4'}"]
    if rule.remote_address_group_id:
        prefixes = _prefixes(family, remotes)
        if prefixes == []:
            return None
        if prefixes is not None:
            parts.append(f"{family} {side} {{ {', '.join(prefixes)} }}")
    elif rule.remote_ip_prefix:
        net = ipaddress.ip_network(rule.remote_ip_prefix, strict=False)
        if net.prefixlen:
            parts.append(f"{family} {side} {net}")
    elif rule.remote_group_id:
        wanted = [a for a in remotes if (":" in a) == (family == "ip6")]
        if not wanted:
            return None
        parts.append(f"{family} {side} {{ {', '.join(sorted(wanted))} }}")
    return " ".join([*parts, *_protocol(rule), "return"])


def dscp_lines(marks: dict[str, int]) -> list[str]:
    """QoS DSCP marking: the mark of the port's policy on every IP packet its guest sends,
    whatever the guest put there (Neutron's linuxbridge agent rewrites it the same way)."""
    return [f'        iifname "{dev}" ether type {kind} {kind} dscp set {mark:#x}'
            for dev, mark in sorted(marks.items()) for kind in ("ip", "ip6")]


def ruleset(ports: list[Filtered], dscp: dict[str, int] | None = None) -> str:
    """Both tables, whole (``nft -f`` input)."""
    marks: list[str] = []
    spoof: list[str] = []
    dispatch_out: list[str] = []
    dispatch_in: list[str] = []
    chains: list[str] = []
    for index, item in enumerate(sorted(ports, key=lambda f: f.port.id), start=1):
        port, tap = item.port, names.port_device(item.port.id, bool(item.port.parent))
        marks.append(f'        iifname "{tap}" meta mark set meta mark | {index:#x}')
        marks.append(f'        oifname "{tap}" meta mark set meta mark | {index << 16:#x}')
        macs = sorted({port.mac.lower(), *(m.lower() for _, m in port.allowed_pairs if m)})
        ips4 = sorted({a for _, a in port.ips if ":" not in a}
                      | {ip for ip, _ in port.allowed_pairs if ip and ":" not in ip})
        if not port.mac_learning:
            spoof.append(f'        iifname "{tap}" ether saddr != {{ {", ".join(macs)} }} drop')
        # DHCP asks from 0.0.0.0 before the guest has its address.
        allowed = ", ".join(["0.0.0.0", *ips4])
        spoof.append(f'        iifname "{tap}" ether type ip ip saddr != {{ {allowed} }} drop')
        if ips4:
            spoof.append(f'        iifname "{tap}" ether type arp arp saddr ip != '
                         f'{{ {", ".join(ips4)} }} drop')
        spoof += _spoof6(tap, port, macs)
        dispatch_out.append(f"{index:#x} : jump egress-{index}")
        dispatch_in.append(f"{index << 16:#x} : jump ingress-{index}")
        for direction in ("egress", "ingress"):
            body = [f"        {line}" for line in ALWAYS[direction]]
            for rule, remotes in item.rules:
                if rule.direction == direction:
                    line = rule_line(rule, remotes)
                    if line is not None:
                        body.append(f"        {line}")
            chains += [f"    chain {direction}-{index} {{", *body, "        drop", "    }"]
    text = ["add table bridge nimbus", "delete table bridge nimbus",
            "add table inet nimbus", "delete table inet nimbus",
            "table bridge nimbus {",
            "    chain prerouting {",
            "        type filter hook prerouting priority -300; policy accept;", *spoof,
            *dscp_lines(dscp or {}), "    }",
            "    chain forward {",
            "        type filter hook forward priority -200; policy accept;", *marks, "    }",
            "}",
            "table inet nimbus {",
            "    chain forward {",
            "        type filter hook forward priority 0; policy accept;",
            "        ct state established,related accept",
            "        ct state invalid drop"]
    if dispatch_out:
        text.append(f"        meta mark & 0xffff vmap {{ {', '.join(dispatch_out)} }}")
        text.append(f"        meta mark & 0xffff0000 vmap {{ {', '.join(dispatch_in)} }}")
    text += ["    }", *chains, "}"]
    return "\n".join(text) + "\n"


class Firewall:
    def __init__(self, ip: Ip, namespace: str) -> None:
        self.ip = ip
        self.ns = namespace
        self._applied: str | None = None

    def converge(self, ports: list[Filtered], dscp: dict[str, int] | None = None) -> None:
        text = ruleset(ports, dscp)
        key = hashlib.sha256(text.encode()).hexdigest()
        if key == self._applied:
            return
        done = subprocess.run(self.ip.exec_argv(self.ns, ["nft", "-f", "-"]), input=text,
                              capture_output=True, text=True, timeout=30, check=False)
        if done.returncode != 0:
            raise IpError(f"security group rules refused: {done.stderr.strip()[-400:]}")
        self._applied = key
