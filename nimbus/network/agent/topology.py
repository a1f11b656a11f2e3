"""The wanted data plane, from one database snapshot (``db/topology.py``) into the linux
driver's records (``drivers/linux/model.py``)."""

from __future__ import annotations

import zlib
from typing import Any

from nimbus.core.db.engine import Database
from nimbus.network.db import topology as db_topology
from nimbus.network.drivers.linux.model import (
    FloatingRec,
    ForwardRec,
    HelperRec,
    MeterRec,
    MeterRuleRec,
    NetworkRec,
    PortRec,
    RouterRec,
    RuleRec,
    SubnetRec,
    Topology,
)
from nimbus.network.schemas import dns


def _pairs(values: list[Any], first: str, second: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(v.get(first) or ""), str(v.get(second) or "")) for v in values or []
                 if isinstance(v, dict))


# VNIs of networks that are not VXLAN networks themselves (flat, VLAN, external) but still
# cross between hosts: above the range tenant networks take theirs from.
_DERIVED_VNI = 1 << 23


def vni(network_id: str, network_type: str | None, segment: int | None) -> int:
    if network_type in (None, "vxlan") and segment:
        return int(segment)
    return _DERIVED_VNI + zlib.crc32(network_id.encode()) % (_DERIVED_VNI - 1)


def _policy(port: Any, network_policy: dict[str, str | None]) -> str:
    """The QoS policy a port follows: its own, else its network's (not for the service's own
    ports, as in Neutron)."""
    if port.qos_policy_id:
        return str(port.qos_policy_id)
    if str(port.device_owner or "").startswith("network:"):
        return ""
    return network_policy.get(port.network_id) or ""


def read(db: Database) -> Topology:
    with db.reader() as session:
        return _convert(db_topology.snapshot(session))


def _convert(rows: db_topology.TopologyRows) -> Topology:
    top = Topology()
    for n in rows.networks:
        top.networks[n.id] = NetworkRec(n.id, n.project_id, int(n.mtu or 1450),
                                        bool(n.external), bool(n.admin_state_up),
                                        vni(n.id, n.network_type, n.segmentation_id))
    for s in rows.subnets:
        top.subnets[s.id] = SubnetRec(
            s.id, s.network_id, int(s.ip_version), s.cidr, s.gateway_ip, bool(s.enable_dhcp),
            tuple(str(d) for d in s.dns_nameservers or []),
            _pairs(s.host_routes, "destination", "nexthop"), s.ipv6_ra_mode,
            s.ipv6_address_mode)
    ips: dict[str, list[tuple[str, str]]] = {}
    for a in rows.allocations:
        ips.setdefault(a.port_id, []).append((a.subnet_id, a.ip_address))
    also: dict[str, list[str]] = {}
    for b in rows.bindings:
        also.setdefault(b.port_id, []).append(b.host)
    trunked = {sub: (parent, vlan) for sub, parent, vlan in rows.subports}
    limits: dict[str, list[tuple[str, int, int]]] = {}
    marks: dict[str, int] = {}
    for limit in rows.limits:
        if limit.rule_type == "dscp_marking":
            marks[limit.qos_policy_id] = int(limit.dscp_mark or 0)
            continue
        limits.setdefault(limit.qos_policy_id, []).append(
            (limit.direction or "egress", int(limit.max_kbps or 0),
             int(limit.max_burst_kbps or 0)))
    network_policy = {n.id: n.qos_policy_id for n in rows.networks}
    for p in rows.ports:
        opts = tuple((str(o.get("opt_name")), str(o.get("opt_value")),
                      int(o.get("ip_version") or 4)) for o in p.extra_dhcp_opts or []
                     if isinstance(o, dict))
        top.ports[p.id] = PortRec(
            p.id, p.project_id, p.network_id, p.mac_address, p.device_owner, p.device_id,
            p.host_id, bool(p.admin_state_up), p.status, p.vif_type,
            bool(p.port_security_enabled), tuple(p.security_groups or []),
            _pairs(p.allowed_address_pairs, "ip_address", "mac_address"), opts,
            tuple(ips.get(p.id, [])), tuple(also.get(p.id, [])),
            *trunked.get(p.id, ("", 0)), tuple(limits.get(_policy(p, network_policy), [])),
            marks.get(_policy(p, network_policy)),
            tuple(dns.hostname(p.dns_name or "", a) for _, a in ips.get(p.id, [])),
            bool(p.mac_learning_enabled))
    for r in rows.routers:
        top.routers[r.id] = RouterRec(r.id, bool(r.admin_state_up), r.gw_port_id,
                                      bool(r.enable_snat), _pairs(r.routes, "destination",
                                                                  "nexthop"), r.project_id)
    label_rules: dict[str, list[MeterRuleRec]] = {}
    for lr in rows.label_rules:
        label_rules.setdefault(lr.metering_label_id, []).append(MeterRuleRec(
            lr.direction, bool(lr.excluded), lr.remote_ip_prefix, lr.source_ip_prefix,
            lr.destination_ip_prefix))
    top.meters = [MeterRec(lb.id, lb.project_id, bool(lb.shared),
                           tuple(label_rules.get(lb.id, []))) for lb in rows.labels]
    for f in rows.floating_ips:
        top.floating_ips[f.id] = FloatingRec(f.id, f.floating_ip_address,
                                             f.floating_network_id, f.fixed_ip_address,
                                             f.port_id, f.router_id)
    for pf, fip in rows.forwardings:
        if fip.router_id:
            top.forwards.append(ForwardRec(
                fip.floating_ip_address, fip.router_id, pf.protocol,
                (pf.external_port_start, pf.external_port_end), pf.internal_ip_address,
                (pf.internal_port_start, pf.internal_port_end)))
    top.helpers = [HelperRec(h.router_id, h.protocol, int(h.port), h.helper)
                   for h in rows.helpers]
    for rule in rows.rules:
        top.rules.append(RuleRec(rule.security_group_id, rule.direction, rule.ethertype,
                                 rule.protocol, rule.port_range_min, rule.port_range_max,
                                 rule.remote_ip_prefix, rule.remote_group_id,
                                 rule.remote_address_group_id))
    prefixes: dict[str, list[str]] = {}
    for group_id, address in rows.group_addresses:
        prefixes.setdefault(group_id, []).append(address)
    top.address_groups = {g: tuple(found) for g, found in prefixes.items()}
    return top
