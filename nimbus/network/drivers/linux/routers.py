"""Routers: one namespace per router, with a ``qr-`` leg on each subnet it serves (holding the
subnet's gateway address) and a ``qg-`` leg on its external network (the gateway port's address
and every floating IP it carries), forwarding between them.

NAT is one nftables table per router (``table ip nimbus``), replaced whole and atomically when
it changes: a floating IP is a 1:1 DNAT of the floating address to the fixed one plus the SNAT
back, and with ``enable_snat`` every other address of the router's subnets leaves as the
gateway's. The router's default route goes through the external subnet's gateway, which lives
in the cloud's ``ext`` namespace (``ext.py``): nothing is routed beyond it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import shutil
import subprocess
from dataclasses import dataclass

from nimbus.network.drivers.linux import names
from nimbus.network.drivers.linux.cthelpers import helper_rules, probe_rules, usable
from nimbus.network.drivers.linux.ip import Ip, IpError
from nimbus.network.drivers.linux.metering import TABLE, meter_rules, read_counters
from nimbus.network.drivers.linux.model import ForwardRec, HelperRec, MeterRec
from nimbus.network.drivers.linux.radvd import Advert, Radvd

LOG = logging.getLogger(__name__)
# Where the metadata proxy listens inside a router's namespace.
METADATA_PORT = 9697


@dataclass(frozen=True)
class LegAddress:
    """A router leg: its port, MAC and addresses (``address/prefix``)."""

    port_id: str
    mac: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class RouterWant:
    router_id: str
    admin_up: bool
    interfaces: tuple[LegAddress, ...]
    gateway: LegAddress | None
    # The external subnet's gateway: the router's default route.
    default_via: str | None
    routes: tuple[tuple[str, str], ...]
    # (floating address, fixed address)
    floating: tuple[tuple[str, str], ...]
    # The router's subnets, SNATed to the gateway address (empty without enable_snat).
    snat_from: tuple[str, ...]
    # IPv6 prefixes advertised on its legs.
    adverts: tuple[Advert, ...] = ()
    # Port forwardings of floating IPs through this router.
    forwards: tuple[ForwardRec, ...] = ()
    # The metering labels that count on this router.
    meters: tuple[MeterRec, ...] = ()
    # Its conntrack helpers.
    helpers: tuple[HelperRec, ...] = ()


def nat_rules(want: RouterWant) -> str:
    """The router's NAT table, whole (``nft -f`` input)."""
    gw = want.gateway
    lines = ["add table ip nimbus", "delete table ip nimbus", "table ip nimbus {"]
    pre = ["    chain prerouting {", "        type nat hook prerouting priority dstnat;",
           # The metadata service: the agent's proxy listens in this namespace.
           f"        ip daddr 169.254.169.254 tcp dport 80 redirect to :{METADATA_PORT}"]
    out = ["    chain output {", "        type nat hook output priority -100;"]
    post = ["    chain postrouting {", "        type nat hook postrouting priority srcnat;"]
    if gw is not None:
        qg = names.gateway_leg(gw.port_id)
        for floating, fixed in want.floating:
            pre.append(f"        ip daddr {floating} dnat to {fixed}")
            out.append(f"        ip daddr {floating} dnat to {fixed}")
            post.append(f'        ip saddr {fixed} oifname "{qg}" snat to {floating}')
        for fwd in want.forwards:
            rule = (f"ip daddr {fwd.floating_ip} {fwd.protocol} dport {_span(fwd.external)} "
                    f"dnat to {_forward_target(fwd)}")
            pre.append(f"        {rule}")
            out.append(f"        {rule}")
        gw_v4 = [a.split("/")[0] for a in gw.addresses if ":" not in a]
        if gw_v4:
            for cidr in want.snat_from:
                post.append(f'        ip saddr {cidr} oifname "{qg}" snat to {gw_v4[0]}')
    for chain in (pre, out, post):
        lines += [*chain, "    }"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _first_words(stderr: str) -> str:
    """nft's first complaint, on one line: it names the object the kernel refused."""
    return " ".join(stderr.split())[:300]


def _span(ports: tuple[int, int]) -> str:
    return str(ports[0]) if ports[0] == ports[1] else f"{ports[0]}-{ports[1]}"


def _forward_target(fwd: ForwardRec) -> str:
    """Where a forwarding's packets go: one port; the same ports (the destination port is
    kept); or each external port onto its own internal one, in order."""
    (ext_lo, ext_hi), (int_lo, int_hi) = fwd.external, fwd.internal
    if int_lo == int_hi:
        return f"{fwd.fixed}:{int_lo}"
    if (ext_lo, ext_hi) == (int_lo, int_hi):
        return fwd.fixed
    pairs = ", ".join(f"{port} : {port - ext_lo + int_lo}" for port in range(ext_lo, ext_hi + 1))
    return f"{fwd.fixed} : {fwd.protocol} dport map {{ {pairs} }}"


class Routers:
    def __init__(self, ip: Ip, radvd: Radvd) -> None:
        self.ip = ip
        self.radvd = radvd
        self.nft = shutil.which("nft") or "nft"
        self._applied: dict[str, str] = {}
        # The helper table each router has (the hash of what was asked for).
        self._helpers_applied: dict[str, str] = {}

    def namespace(self, router_id: str) -> str:
        return self.ip.namespaces.router(router_id)

    def ensure(self, router_id: str, present: set[str]) -> None:
        """The router's namespace, forwarding; ``present`` is the namespaces there now."""
        ns = self.namespace(router_id)
        if ns in present:
            return
        self.ip.add_namespace(ns)
        self._applied.pop(router_id, None)
        self._helpers_applied.pop(router_id, None)
        self.ip.sysctl(ns, "net.ipv4.ip_forward", "1")
        # The gateway addresses serve at once, not after duplicate address detection.
        self.ip.sysctl(ns, "net.ipv6.conf.default.accept_dad", "0")

    def converge(self, want: RouterWant) -> None:
        ns = self.namespace(want.router_id)
        lines: list[str] = []
        legs = [(names.router_leg(i.port_id), i) for i in want.interfaces]
        if want.gateway is not None:
            legs.append((names.gateway_leg(want.gateway.port_id), want.gateway))
        for device, leg in legs:
            wanted = set(leg.addresses)
            if device.startswith("qg-"):
                wanted |= {f"{floating}/32" for floating, _ in want.floating}
                wanted |= {f"{fwd.floating_ip}/32" for fwd in want.forwards}
            have = self.ip.addresses(ns, device)
            lines += [f"addr del {a} dev {device}" for a in sorted(have - wanted)]
            lines += [f"link set {device} address {leg.mac}"]
            lines += [f"addr add {a} dev {device}" for a in sorted(wanted - have)]
            lines.append(f"link set {device} {'up' if want.admin_up else 'down'}")
        self.ip.batch(ns, lines)
        self._routes(ns, want)
        self._nat(want)
        self._helpers(want)
        self.radvd.converge(want.router_id, ns, want.adverts if want.admin_up else ())

    def _routes(self, ns: str, want: RouterWant) -> None:
        wanted: dict[str, str] = {}
        if want.default_via and want.gateway is not None and want.admin_up:
            wanted["default"] = want.default_via
        for destination, nexthop in want.routes:
            if ":" not in destination:
                wanted[str(ipaddress.ip_network(destination, strict=False))] = nexthop
        have = {str(r.get("dst")): str(r.get("gateway")) for r in self.ip.routes(ns)
                if r.get("gateway")}
        lines = [f"route del {dst}" for dst in sorted(set(have) - set(wanted))]
        lines += [f"route replace {dst} via {hop}" for dst, hop in sorted(wanted.items())
                  if have.get(dst) != hop]
        try:
            self.ip.batch(ns, lines)
        except IpError as exc:
            # A next hop not on any of the router's subnets (yet): the others still apply.
            LOG.warning("router %s: routes not all set: %s", want.router_id, exc)

    def _nat(self, want: RouterWant) -> None:
        # The metering table is made again only when it changes: that resets its counters.
        gateway = want.gateway.port_id if want.gateway is not None else None
        rules = nat_rules(want) + meter_rules(gateway, want.meters)
        key = hashlib.sha256(rules.encode()).hexdigest()
        if self._applied.get(want.router_id) == key:
            return
        done = self._nft(self.namespace(want.router_id), rules)
        if done.returncode != 0:
            raise IpError(f"router {want.router_id}: NAT or metering rules refused: "
                          f"{done.stderr.strip()[-300:]}")
        self._applied[want.router_id] = key

    def _nft(self, ns: str, rules: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.ip.exec_argv(ns, [self.nft, "-f", "-"]), input=rules,
                              capture_output=True, text=True, timeout=30, check=False)

    def _helpers(self, want: RouterWant) -> None:
        """The router's conntrack helpers, apart from its NAT: nft refuses the whole table
        when the kernel lacks one helper, and that must not cost the router its NAT. Each
        helper is then tried alone; the table is made of those the kernel has, and the others
        are logged and left out until the router's helpers change or the agent starts again."""
        rules = helper_rules(want.helpers)
        key = hashlib.sha256(rules.encode()).hexdigest()
        if self._helpers_applied.get(want.router_id) == key:
            return
        ns = self.namespace(want.router_id)
        done = self._nft(ns, rules)
        if done.returncode != 0:
            kinds = sorted({(h.helper, h.protocol) for h in want.helpers if usable(h)})
            refused = [kind for kind in kinds if self._nft(ns, probe_rules(*kind)).returncode]
            LOG.warning("router %s: conntrack helpers %s refused by the kernel, left out: %s",
                        want.router_id, ", ".join(f"{h}/{p}" for h, p in refused) or "(none)",
                        _first_words(done.stderr))
            kept = tuple(h for h in want.helpers if (h.helper, h.protocol) not in refused)
            done = self._nft(ns, helper_rules(kept))
            if done.returncode != 0:
                # Not a helper of its own: tried again at the next sync.
                LOG.warning("router %s: conntrack helpers not applied: %s", want.router_id,
                            _first_words(done.stderr))
                return
        self._helpers_applied[want.router_id] = key

    def counters(self, router_id: str) -> dict[str, tuple[int, int]]:
        """(packets, bytes) each metering label counted on the router so far."""
        ns = self.namespace(router_id)
        return read_counters(self.ip.exec_argv(ns, [self.nft, "-j", "list", "counters",
                                                    "table", "ip", TABLE]))

    def remove(self, router_id: str) -> None:
        self.radvd.remove(router_id)
        self.ip.delete_namespace(self.namespace(router_id))
        self._applied.pop(router_id, None)
        self._helpers_applied.pop(router_id, None)
