"""The Network panels' actions: networks and subnets, routers and their interfaces, security
groups and their rules, floating IPs."""

from __future__ import annotations

from typing import Any

from nimbus.clients.user_session import UserSession
from nimbus.dashboard.manager.actions import Action, Field, number, options

YES_NO = [("true", "Yes"), ("false", "No")]


def _yes(value: str | None) -> bool:
    return value in ("on", "true", "1")


def _external(user: UserSession) -> list[tuple[str, str]]:
    return options(user, "network", "/v2.0/networks?router:external=true", "networks")


def _subnets(user: UserSession) -> list[tuple[str, str]]:
    return options(user, "network", "/v2.0/subnets", "subnets",
                   label=lambda s: f"{s.get('name') or s['id']} ({s.get('cidr', '')})")


def _ports(user: UserSession) -> list[tuple[str, str]]:
    def label(port: dict[str, Any]) -> str:
        ips = ", ".join(ip["ip_address"] for ip in port.get("fixed_ips", []))
        return f"{port.get('name') or port['id']}: {ips}"
    return options(user, "network", "/v2.0/ports", "ports", label=label,
                   keep=lambda p: str(p.get("device_owner", "")).startswith("compute:"))


def create_network(user: UserSession, f: dict[str, str], _: str) -> None:
    network = user.request("network", "POST", "/v2.0/networks", {"network": {
        "name": f.get("name", ""), "admin_state_up": not _yes(f.get("down"))}})["network"]
    if f.get("cidr"):
        create_subnet(user, {**f, "name": f.get("subnet_name", "")}, network["id"])


def create_subnet(user: UserSession, f: dict[str, str], network: str) -> None:
    cidr = f.get("cidr", "").strip()
    body: dict[str, Any] = {"network_id": network, "name": f.get("name", ""), "cidr": cidr,
                            "ip_version": 6 if ":" in cidr else 4,
                            "enable_dhcp": not _yes(f.get("no_dhcp"))}
    if f.get("gateway_ip"):
        body["gateway_ip"] = f["gateway_ip"].strip()
    user.request("network", "POST", "/v2.0/subnets", {"subnet": body})


def delete_network(user: UserSession, f: dict[str, str], network: str) -> None:
    user.request("network", "DELETE", f"/v2.0/networks/{network}")


def create_router(user: UserSession, f: dict[str, str], _: str) -> None:
    body: dict[str, Any] = {"name": f.get("name", "")}
    if f.get("external_network"):
        body["external_gateway_info"] = {"network_id": f["external_network"]}
    user.request("network", "POST", "/v2.0/routers", {"router": body})


def add_interface(user: UserSession, f: dict[str, str], router: str) -> None:
    user.request("network", "PUT", f"/v2.0/routers/{router}/add_router_interface",
                 {"subnet_id": f["subnet"]})


def remove_interface(user: UserSession, f: dict[str, str], router: str) -> None:
    user.request("network", "PUT", f"/v2.0/routers/{router}/remove_router_interface",
                 {"subnet_id": f["subnet"]})


def delete_router(user: UserSession, f: dict[str, str], router: str) -> None:
    user.request("network", "DELETE", f"/v2.0/routers/{router}")


def create_group(user: UserSession, f: dict[str, str], _: str) -> None:
    user.request("network", "POST", "/v2.0/security-groups", {"security_group": {
        "name": f.get("name", ""), "description": f.get("description", "")}})


def add_rule(user: UserSession, f: dict[str, str], group: str) -> None:
    rule: dict[str, Any] = {"security_group_id": group,
                            "direction": f.get("direction") or "ingress",
                            "ethertype": "IPv6" if ":" in f.get("remote_ip_prefix", "")
                            else "IPv4"}
    if f.get("protocol"):
        rule["protocol"] = f["protocol"]
    if f.get("port_min"):
        rule["port_range_min"] = number(f, "port_min")
        rule["port_range_max"] = number(f, "port_max") if f.get("port_max") \
            else rule["port_range_min"]
    if f.get("remote_ip_prefix"):
        rule["remote_ip_prefix"] = f["remote_ip_prefix"].strip()
    user.request("network", "POST", "/v2.0/security-group-rules",
                 {"security_group_rule": rule})


def delete_rule(user: UserSession, f: dict[str, str], group: str) -> None:
    user.request("network", "DELETE", f"/v2.0/security-group-rules/{f['rule'].strip()}")


def delete_group(user: UserSession, f: dict[str, str], group: str) -> None:
    user.request("network", "DELETE", f"/v2.0/security-groups/{group}")


def allocate(user: UserSession, f: dict[str, str], _: str) -> dict[str, str]:
    made = user.request("network", "POST", "/v2.0/floatingips", {"floatingip": {
        "floating_network_id": f["pool"]}})["floatingip"]
    return {"Floating IP": made["floating_ip_address"]}


def associate(user: UserSession, f: dict[str, str], fip: str) -> None:
    user.request("network", "PUT", f"/v2.0/floatingips/{fip}",
                 {"floatingip": {"port_id": f["port"]}})


def disassociate(user: UserSession, f: dict[str, str], fip: str) -> None:
    user.request("network", "PUT", f"/v2.0/floatingips/{fip}", {"floatingip": {"port_id": None}})


def release(user: UserSession, f: dict[str, str], fip: str) -> None:
    user.request("network", "DELETE", f"/v2.0/floatingips/{fip}")


PROTOCOLS = [("", "Any"), ("tcp", "TCP"), ("udp", "UDP"), ("icmp", "ICMP")]

ACTIONS = (
    Action("networks", "create", "Create Network", create_network, (
        Field("name", "Network Name", required=True),
        Field("down", "Admin State Down", "checkbox"),
        Field("subnet_name", "Subnet Name"), Field("cidr", "Network Address (CIDR)"),
        Field("gateway_ip", "Gateway IP"), Field("no_dhcp", "Disable DHCP", "checkbox"))),
    Action("networks", "subnet", "Create Subnet", create_subnet, (
        Field("name", "Subnet Name"), Field("cidr", "Network Address (CIDR)", required=True),
        Field("gateway_ip", "Gateway IP"), Field("no_dhcp", "Disable DHCP", "checkbox")),
        row=True),
    Action("networks", "delete", "Delete Network", delete_network, row=True, direct=True),
    Action("routers", "create", "Create Router", create_router, (
        Field("name", "Router Name", required=True),
        Field("external_network", "External Network", "select",
              options=lambda u: [("", "None"), *_external(u)]))),
    Action("routers", "add_interface", "Add Interface", add_interface, (
        Field("subnet", "Subnet", "select", True, _subnets),), row=True),
    Action("routers", "remove_interface", "Remove Interface", remove_interface, (
        Field("subnet", "Subnet", "select", True, _subnets),), row=True),
    Action("routers", "delete", "Delete Router", delete_router, row=True, direct=True),
    Action("security_groups", "create", "Create Security Group", create_group, (
        Field("name", "Name", required=True), Field("description", "Description"))),
    Action("security_groups", "add_rule", "Add Rule", add_rule, (
        Field("direction", "Direction", "select",
              options=lambda u: [("ingress", "Ingress"), ("egress", "Egress")]),
        Field("protocol", "IP Protocol", "select", options=lambda u: PROTOCOLS),
        Field("port_min", "From Port", "number"), Field("port_max", "To Port", "number"),
        Field("remote_ip_prefix", "CIDR", default="0.0.0.0/0")), row=True),
    Action("security_groups", "delete_rule", "Delete Rule", delete_rule, (
        Field("rule", "Rule ID", required=True),), row=True),
    Action("security_groups", "delete", "Delete Security Group", delete_group, row=True,
           direct=True),
    Action("floating_ips", "allocate", "Allocate IP To Project", allocate, (
        Field("pool", "Pool", "select", True, _external),)),
    Action("floating_ips", "associate", "Associate", associate, (
        Field("port", "Port to be associated", "select", True, _ports),), row=True),
    Action("floating_ips", "disassociate", "Disassociate", disassociate, row=True,
           direct=True),
    Action("floating_ips", "release", "Release Floating IP", release, row=True, direct=True),
)
