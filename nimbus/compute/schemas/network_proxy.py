"""The deprecated network proxy APIs (security groups, floating IPs, networks): their request
schemas, and the shapes Nova gives the network service's resources in its answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.compute.schemas.common import QUERY_INTEGER
from nimbus.core.api.validation import Schema

# The last microversion that has the proxies; from 2.36 on they are 404.
MAX_PROXY_VERSION = "2.35"

# Nova takes any spelling uuid.UUID reads back to the same 32 hex digits: dashes anywhere.
UUID_LIKE = r"^(-*[0-9a-fA-F]){32}-*$"
_UUID: Schema = {"type": "string", "pattern": UUID_LIKE}

_GROUP: Schema = {
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 255},
                   "description": {"type": "string", "maxLength": 255}},
    "required": ["name", "description"],
}
GROUP: Schema = {"type": "object", "properties": {"security_group": _GROUP},
                 "required": ["security_group"]}

# Ports, protocol and CIDR are checked by the rules (as Nova does), not by the schema.
RULE: Schema = {
    "type": "object",
    "properties": {"security_group_rule": {
        "type": "object",
        "properties": {"parent_group_id": _UUID,
                       "group_id": {"anyOf": [_UUID, {"type": "null"}]}},
        "required": ["parent_group_id"],
    }},
    "required": ["security_group_rule"],
}

GROUPS_QUERY: Schema = {"type": "object",
                        "properties": {"limit": QUERY_INTEGER, "offset": QUERY_INTEGER,
                                       "all_tenants": {"type": "string"}}}

# The body may be absent altogether; without a pool the only external network is used.
ALLOCATE: Schema = {"type": ["object", "null"],
                    "properties": {"pool": {"type": ["string", "null"], "maxLength": 255}}}

Remote = Callable[[str], "dict[str, Any] | None"]


def _owner(item: dict[str, Any]) -> Any:
    return item.get("tenant_id", item.get("project_id"))


def rule_ports(rule: dict[str, Any]) -> tuple[Any, Any]:
    """Nova's ports for a rule: a protocol with no range is every port (1-65535 for TCP and
    UDP, -1 for the others)."""
    protocol = rule.get("protocol")
    low, high = rule.get("port_range_min"), rule.get("port_range_max")
    if protocol and low is None and high is None:
        return (1, 65535) if str(protocol).upper() in ("TCP", "UDP") else (-1, -1)
    return low, high


def rule_view(rule: dict[str, Any], remote: dict[str, Any] | None) -> dict[str, Any]:
    """One ingress rule as Nova shows it; ``remote`` names the group it admits, if any."""
    low, high = rule_ports(rule)
    view: dict[str, Any] = {"id": rule["id"], "parent_group_id": rule["security_group_id"],
                            "ip_protocol": rule.get("protocol"), "from_port": low,
                            "to_port": high, "group": {}, "ip_range": {}}
    if rule.get("remote_group_id"):
        view["group"] = dict(remote or {})
    else:
        view["ip_range"] = {"cidr": rule.get("remote_ip_prefix") or "0.0.0.0/0"}
    return view


def group_view(group: dict[str, Any], remote: Remote) -> dict[str, Any]:
    """A security group as Nova shows it: only its ingress rules (Nova has no others), and
    none that admits a group the caller can no longer see."""
    rules = []
    for rule in group.get("security_group_rules") or []:
        if rule.get("direction") != "ingress":
            continue
        source = None
        if rule.get("remote_group_id"):
            source = remote(str(rule["remote_group_id"]))
            if source is None:
                continue
        rules.append(rule_view(rule, source))
    return {"id": group["id"], "name": group.get("name", ""),
            "description": group.get("description", ""), "tenant_id": _owner(group),
            "rules": rules}


def remote_info(group: dict[str, Any]) -> dict[str, Any]:
    """What a rule shows of the group it admits."""
    return {"name": group.get("name", ""), "tenant_id": _owner(group)}


def sorted_groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(groups, key=lambda g: (str(g["tenant_id"]), str(g["name"])))


def floating_ip_view(fip: dict[str, Any], pool: str, instance_id: str | None) -> dict[str, Any]:
    return {"id": fip["id"], "ip": fip.get("floating_ip_address"),
            "fixed_ip": fip.get("fixed_ip_address"), "instance_id": instance_id or None,
            "pool": pool}


def pool_name(network: dict[str, Any] | None, network_id: str) -> str:
    """A pool is an external network, named by its name (its id when it has none)."""
    return str((network or {}).get("name") or network_id)


# What nova-network told of a network; with the network service, all but two are null.
_NETWORK_FIELDS = ("id", "cidr", "netmask", "gateway", "broadcast", "dns1", "dns2", "cidr_v6",
                   "gateway_v6", "label", "netmask_v6")
_ADMIN_NETWORK_FIELDS = ("created_at", "updated_at", "deleted_at", "deleted", "injected",
                         "bridge", "vlan", "vpn_public_address", "vpn_public_port",
                         "vpn_private_address", "dhcp_start", "project_id", "host",
                         "bridge_interface", "multi_host", "priority", "rxtx_base", "mtu",
                         "dhcp_server", "enable_dhcp", "share_address")


def network_view(network: dict[str, Any], is_admin: bool) -> dict[str, Any]:
    fields = _NETWORK_FIELDS + (_ADMIN_NETWORK_FIELDS if is_admin else ())
    view: dict[str, Any] = dict.fromkeys(fields)
    view["id"] = network["id"]
    view["label"] = network.get("name")
    return view


def tenant_network_view(network: dict[str, Any]) -> dict[str, Any]:
    # Nova has always answered the string "None" for the CIDR here.
    return {"id": network["id"], "cidr": "None", "label": network.get("name")}
