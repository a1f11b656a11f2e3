"""Nova's deprecated proxies to the network service: security groups and their rules, floating
IPs and their pools, and networks, as the compute API showed them before 2.36.

Every call goes to the network service with the caller's own token (``acting_for``): what the
caller cannot see there does not exist here, and what is made belongs to the caller's project.
The network service's faults are turned into the ones Nova gives for the same case.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import unquote

from nimbus.clients.network import NetworkClient
from nimbus.compute.schemas import network_proxy as views
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound

_UUID = re.compile(views.UUID_LIKE)


def uuid_like(value: Any) -> bool:
    return isinstance(value, str) and _UUID.match(value) is not None


def group_not_found(group_id: str) -> NotFound:
    return NotFound(f"Security group {group_id} not found.", resource="security_group",
                    id=group_id)


def parse_cidr(value: Any) -> str:
    """The CIDR a rule admits: every IPv4 address when none is given, 400 for one that is not a
    network with a prefix length."""
    if not value:
        return "0.0.0.0/0"
    text = unquote(value) if isinstance(value, str) else ""
    address, _, prefix = text.partition("/")
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        prefix = ""
    if not address or not prefix:
        raise BadRequest(f"{value} is not a valid IP network.")
    return text


def _port_range(protocol: str, low: Any, high: Any) -> tuple[int, int]:
    """The ports (or ICMP type and code) of a rule, checked as Nova checks them."""
    kind = protocol.upper()
    try:
        first, last = int(low), int(high)
    except (TypeError, ValueError):
        reason = ("Type and Code must be integers for ICMP protocol type" if kind == "ICMP"
                  else "To and From ports must be integers")
        raise BadRequest(f"Invalid input received: {reason}") from None
    if kind not in ("TCP", "UDP", "ICMP"):
        raise BadRequest(f"Invalid IP protocol {protocol}.")
    problem = None
    if kind in ("TCP", "UDP") and first > last:
        problem = "The first port must not be greater than the last"
    elif kind in ("TCP", "UDP") and (first < 1 or last > 65535):
        problem = f"Valid {kind} ports should be between 1-65535"
    elif kind == "ICMP" and not (-1 <= first <= 255 and -1 <= last <= 255):
        problem = "For ICMP, the type:code must be valid"
    if problem:
        raise BadRequest(f"Invalid port range {first}:{last}. {problem}")
    return first, last


def ingress_rule(protocol: Any, low: Any, high: Any, group_id: str | None,
                 cidr: Any) -> dict[str, Any] | None:
    """What a Nova rule request asks for, checked: ``{group_id | cidr, protocol, from_port,
    to_port}``; None when a CIDR rule lacks its protocol or ports."""
    values: dict[str, Any] = {}
    if group_id:
        values["group_id"] = group_id
        kind = str(protocol).upper() if protocol else ""
        # A rule admitting a group opens every port of its protocol unless told otherwise.
        if low is None and high is None:
            if kind == "ICMP":
                low = high = -1
            elif kind in ("TCP", "UDP"):
                low, high = 1, 65535
    else:
        values["cidr"] = parse_cidr(cidr)
    if not protocol or low is None or high is None:
        return values if group_id else None
    protocol = str(protocol)
    values["from_port"], values["to_port"] = _port_range(protocol, low, high)
    values["protocol"] = protocol.lower()
    return values


def _same(rule: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether an existing rule already admits what ``wanted`` asks for."""
    if rule.get("direction") != "ingress" or rule.get("remote_group_id") != wanted.get("group_id"):
        return False
    cidr = rule.get("remote_ip_prefix") or "0.0.0.0/0"
    if not wanted.get("group_id") and cidr != wanted.get("cidr"):
        return False
    protocol = str(rule.get("protocol") or "").upper()
    return (protocol == str(wanted.get("protocol") or "").upper()
            and views.rule_ports(rule) == (wanted.get("from_port"), wanted.get("to_port")))


def _neutron_rule(parent_id: str, wanted: dict[str, Any]) -> dict[str, Any]:
    """The network service's ingress rule for a Nova one (-1 there means no bound)."""
    cidr = wanted.get("cidr")
    body: dict[str, Any] = {"security_group_id": parent_id, "direction": "ingress",
                            "ethertype": "IPv4"}
    if cidr:
        body["remote_ip_prefix"] = cidr
        if ipaddress.ip_network(cidr, strict=False).version == 6:
            body["ethertype"] = "IPv6"
    if wanted.get("group_id"):
        body["remote_group_id"] = wanted["group_id"]
    if wanted.get("protocol"):
        body["protocol"] = wanted["protocol"]
    if wanted.get("from_port") not in (None, -1):
        body["port_range_min"] = wanted["from_port"]
    if wanted.get("to_port") not in (None, -1):
        body["port_range_max"] = wanted["to_port"]
    return body


class SecurityGroupProxy:
    """``os-security-groups`` and ``os-security-group-rules`` over the network service."""

    def __init__(self, client: NetworkClient) -> None:
        self.client = client

    def group(self, group_id: str) -> dict[str, Any]:
        try:
            return self.client.get_security_group(group_id)
        except NotFound:
            raise group_not_found(group_id) from None

    def checked_group(self, group_id: str) -> dict[str, Any]:
        """A group named in the path: its id must look like a UUID (400 otherwise)."""
        if not uuid_like(group_id):
            raise BadRequest("Security group id should be uuid")
        return self.group(group_id)

    def remote(self, known: dict[str, dict[str, Any]]) -> views.Remote:
        """Looks up (once each) the groups rules admit, starting from ``known``; None for one
        the caller cannot see."""
        cache: dict[str, dict[str, Any] | None] = {k: views.remote_info(g)
                                                   for k, g in known.items()}

        def lookup(group_id: str) -> dict[str, Any] | None:
            if group_id not in cache:
                try:
                    cache[group_id] = views.remote_info(self.client.get_security_group(group_id))
                except NotFound:
                    cache[group_id] = None
            return cache[group_id]

        return lookup

    def shaped(self, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
        remote = self.remote({g["id"]: g for g in groups})
        return views.sorted_groups([views.group_view(g, remote) for g in groups])

    def list_groups(self, project_id: str | None, everyone: bool) -> list[dict[str, Any]]:
        """The project's groups (every project's, for an admin asking for all)."""
        filters = {} if everyone or not project_id else {"project_id": project_id}
        return self.client.list_security_groups(**filters)

    def create_group(self, name: str, description: str) -> dict[str, Any]:
        try:
            return self.client.create_security_group({"name": name, "description": description})
        except Conflict as exc:
            # The network service's 409 is a quota (or the reserved name): Nova's 403.
            raise Forbidden(f"Quota exceeded, too many security groups. {exc.message}") from None

    def update_group(self, group_id: str, name: str, description: str) -> dict[str, Any]:
        self.checked_group(group_id)
        try:
            return self.client.update_security_group(group_id, {"name": name,
                                                                "description": description})
        except NotFound:
            raise group_not_found(group_id) from None
        except Conflict as exc:
            raise BadRequest(exc.message) from None

    def delete_group(self, group_id: str) -> None:
        self.checked_group(group_id)
        try:
            self.client.delete_security_group(group_id)
        except NotFound:
            raise group_not_found(group_id) from None
        except Conflict as exc:
            # In use by a port, or a project's default group: Nova calls either invalid.
            raise BadRequest(exc.message) from None

    def create_rule(self, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Add an ingress rule to its parent group: the rule, and the group it admits."""
        parent = self.group(args["parent_group_id"])
        group_id = args.get("group_id")
        source = self.group(group_id) if group_id is not None else None
        wanted = ingress_rule(args.get("ip_protocol"), args.get("from_port"),
                              args.get("to_port"), group_id, args.get("cidr"))
        if wanted is None:
            raise BadRequest("Not enough parameters to build a valid rule.")
        cidr = wanted.get("cidr")
        if cidr:
            address, _, prefix = cidr.partition("/")
            if address not in ("0.0.0.0", "::") and prefix == "0":
                raise BadRequest(f"Bad prefix for network in cidr {cidr}")
        if any(_same(rule, wanted) for rule in parent.get("security_group_rules") or []):
            raise BadRequest(f"This rule already exists in group {parent['id']}")
        try:
            rule = self.client.create_security_group_rule(_neutron_rule(parent["id"], wanted))
        except NotFound:
            raise group_not_found(parent["id"]) from None
        except Conflict as exc:
            raise Forbidden(f"Quota exceeded, too many security group rules. {exc.message}") \
                from None
        return rule, views.remote_info(source) if source is not None else None

    def delete_rule(self, rule_id: str) -> None:
        if not uuid_like(rule_id):
            raise BadRequest("Security group id should be uuid")
        try:
            rule = self.client.get_security_group_rule(rule_id)
        except NotFound:
            raise NotFound(f"Security group rule {rule_id} not found.",
                           resource="security_group_rule", id=rule_id) from None
        self.group(rule["security_group_id"])
        try:
            self.client.delete_security_group_rule(rule_id)
        except NotFound:
            raise NotFound(f"Security group rule {rule_id} not found.",
                           resource="security_group_rule", id=rule_id) from None

    def server_groups(self, server_id: str) -> list[dict[str, Any]]:
        """The groups on the server's ports, each once."""
        wanted: list[str] = []
        for port in self.client.list_ports(device_id=server_id):
            wanted.extend(g for g in port.get("security_groups") or [] if g not in wanted)
        if not wanted:
            return []
        return self.client.list_security_groups(id=wanted)


class FloatingIpProxy:
    """``os-floating-ips``, ``os-floating-ip-pools`` and the network lists over the network
    service."""

    def __init__(self, client: NetworkClient) -> None:
        self.client = client

    def _devices(self, fips: list[dict[str, Any]]) -> dict[str, str]:
        """The device (server) each floating IP's port belongs to, by port id."""
        found: dict[str, str] = {}
        missing = []
        for fip in fips:
            details, port_id = fip.get("port_details"), fip.get("port_id")
            if not port_id:
                continue
            if isinstance(details, dict):
                found[port_id] = str(details.get("device_id") or "")
            else:
                missing.append(port_id)
        if missing:
            for port in self.client.list_ports(id=missing):
                found[port["id"]] = str(port.get("device_id") or "")
        return found

    def _shaped(self, fips: list[dict[str, Any]],
                networks: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        devices = self._devices(fips)
        return [views.floating_ip_view(
            fip, views.pool_name(networks.get(fip["floating_network_id"]),
                                 fip["floating_network_id"]),
            devices.get(fip.get("port_id") or "")) for fip in fips]

    def _networks(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted(set(ids))
        return {n["id"]: n for n in self.client.list_networks(id=wanted)} if wanted else {}

    def floating_ips(self, project_id: str | None) -> list[dict[str, Any]]:
        """The project's floating IPs (an admin's too: only those of the project)."""
        fips = self.client.list_floatingips(**({"project_id": project_id} if project_id else {}))
        return self._shaped(fips, self._networks([f["floating_network_id"] for f in fips]))

    def _get(self, fip_id: str) -> dict[str, Any]:
        if uuid_like(fip_id):
            try:
                return self.client.get_floatingip(fip_id)
            except NotFound:
                pass
        raise NotFound(f"Floating IP not found for ID {fip_id}", resource="floating_ip",
                       id=fip_id)

    def floating_ip(self, fip_id: str) -> dict[str, Any]:
        fip = self._get(fip_id)
        return self._shaped([fip], self._networks([fip["floating_network_id"]]))[0]

    def _pool(self, pool: str | None) -> dict[str, Any]:
        """The external network ``pool`` names (by id or name); with none named, the only one."""
        filters: dict[str, Any] = {"router:external": True}
        if pool:
            filters["id" if uuid_like(pool) else "name"] = pool
        found = self.client.list_networks(**filters)
        if not found or (not pool and len(found) > 1):
            raise NotFound("Floating IP pool not found.", resource="floating_ip_pool",
                           id=pool or "")
        if len(found) > 1:
            raise BadRequest(f"Multiple floating IP pools matches found for name '{pool}'")
        return found[0]

    def allocate(self, pool: str | None) -> dict[str, Any]:
        """A new floating IP of the caller's project from ``pool``."""
        network = self._pool(pool)
        where = f" in pool {pool}" if pool else ""
        try:
            fip = self.client.create_floatingip({"floating_network_id": network["id"]})
        except Conflict as exc:
            if "quota" in exc.message.lower():
                raise Forbidden(f"IP allocation over quota{where}.") from None
            raise NotFound(f"No more floating IPs{where or ' available'}.",
                           resource="floating_ip", id=pool or "") from None
        return self._shaped([fip], {network["id"]: network})[0]

    def release(self, fip_id: str) -> None:
        """Give a floating IP back (the network service takes it off its port, if on one)."""
        fip = self._get(fip_id)
        self.client.delete_floatingip(fip["id"])

    def pools(self) -> list[dict[str, Any]]:
        return [{"name": views.pool_name(n, n["id"])}
                for n in self.client.list_networks(**{"router:external": True})]

    def networks(self) -> list[dict[str, Any]]:
        """Every network the caller sees: its own, shared and external ones."""
        return self.client.list_networks()

    def network(self, network_id: str) -> dict[str, Any]:
        if uuid_like(network_id):
            try:
                return self.client.get_network(network_id)
            except NotFound:
                pass
        raise NotFound("Network not found", resource="network", id=network_id)
