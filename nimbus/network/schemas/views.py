"""Rows to API resources: the Networking v2.0 field names, whatever the tables call them."""

from __future__ import annotations

import ipaddress
from typing import Any

from nimbus.core.db.base import iso
from nimbus.network import constants as c
from nimbus.network.db import models
from nimbus.network.schemas import dns


def _standard(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "tenant_id": row.project_id,
        "description": row.description,
        "tags": list(row.tags or []),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "revision_number": row.revision_number,
    }


def network(row: models.Network, subnet_ids: list[str]) -> dict[str, Any]:
    return {
        **_standard(row),
        "name": row.name,
        "admin_state_up": row.admin_state_up,
        "status": row.status,
        "subnets": subnet_ids,
        "shared": row.shared,
        "router:external": row.external,
        "mtu": row.mtu,
        "port_security_enabled": row.port_security_enabled,
        "qos_policy_id": row.qos_policy_id,
        "availability_zone_hints": list(row.availability_zone_hints or []),
        "availability_zones": [c.AVAILABILITY_ZONE],
        "provider:network_type": row.network_type,
        "provider:physical_network": row.physical_network,
        "provider:segmentation_id": row.segmentation_id,
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
        "l2_adjacency": True,
        "is_default": bool(row.is_default),
        "dns_domain": row.dns_domain or "",
    }


def subnet(row: models.Subnet) -> dict[str, Any]:
    return {
        **_standard(row),
        "name": row.name,
        "network_id": row.network_id,
        "ip_version": row.ip_version,
        "cidr": row.cidr,
        "gateway_ip": row.gateway_ip,
        "allocation_pools": [dict(p) for p in row.allocation_pools or []],
        "dns_nameservers": list(row.dns_nameservers or []),
        "host_routes": [dict(r) for r in row.host_routes or []],
        "enable_dhcp": row.enable_dhcp,
        "ipv6_ra_mode": row.ipv6_ra_mode,
        "ipv6_address_mode": row.ipv6_address_mode,
        "subnetpool_id": row.subnetpool_id,
        "service_types": [],
        "segment_id": row.segment_id,
    }


def port(row: models.Port, allocations: list[models.IPAllocation]) -> dict[str, Any]:
    return {
        **_standard(row),
        "name": row.name,
        "network_id": row.network_id,
        "admin_state_up": row.admin_state_up,
        "status": row.status,
        "mac_address": row.mac_address,
        "fixed_ips": [{"subnet_id": a.subnet_id, "ip_address": a.ip_address}
                      for a in allocations],
        "device_id": row.device_id,
        "device_owner": row.device_owner,
        "security_groups": list(row.security_groups or []),
        "port_security_enabled": row.port_security_enabled,
        "qos_policy_id": row.qos_policy_id,
        "allowed_address_pairs": [dict(p) for p in row.allowed_address_pairs or []],
        "extra_dhcp_opts": [dict(o) for o in row.extra_dhcp_opts or []],
        "binding:host_id": row.host_id,
        "binding:vif_type": row.vif_type,
        "binding:vnic_type": row.vnic_type,
        "binding:profile": dict(row.profile or {}),
        "binding:vif_details": dict(row.vif_details or {}),
        "mac_learning_enabled": bool(row.mac_learning_enabled),
        "dns_name": row.dns_name or "",
        "dns_domain": row.dns_domain or "",
        "dns_assignment": dns.assignment(row.dns_name or "", [
            {"ip_address": a.ip_address} for a in allocations]),
    }


def router(row: models.Router, gateway: dict[str, Any] | None) -> dict[str, Any]:
    info = None
    if row.gw_network_id:
        info = {
            "network_id": row.gw_network_id,
            "enable_snat": row.enable_snat,
            "external_fixed_ips": gateway["fixed_ips"] if gateway else [],
        }
    return {
        **_standard(row),
        "name": row.name,
        "admin_state_up": row.admin_state_up,
        "status": row.status,
        "external_gateway_info": info,
        "routes": [dict(r) for r in row.routes or []],
        "availability_zone_hints": list(row.availability_zone_hints or []),
        "availability_zones": [c.AVAILABILITY_ZONE],
        "distributed": bool(row.distributed),
        "ha": bool(row.ha),
        "flavor_id": row.flavor_id,
    }


def security_group_rule(row: models.SecurityGroupRule) -> dict[str, Any]:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "tenant_id": row.project_id,
        "security_group_id": row.security_group_id,
        "direction": row.direction,
        "ethertype": row.ethertype,
        "protocol": row.protocol,
        "port_range_min": row.port_range_min,
        "port_range_max": row.port_range_max,
        "remote_ip_prefix": row.remote_ip_prefix,
        "remote_group_id": row.remote_group_id,
        "remote_address_group_id": row.remote_address_group_id,
        "normalized_cidr": normalized_cidr(row.remote_ip_prefix),
        "description": row.description,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "revision_number": row.revision_number,
    }


def normalized_cidr(prefix: str | None) -> str | None:
    if prefix is None:
        return None
    return str(ipaddress.ip_network(prefix, strict=False))


def security_group(row: models.SecurityGroup,
                   rules: list[models.SecurityGroupRule]) -> dict[str, Any]:
    return {
        **_standard(row),
        "name": row.name,
        "stateful": row.stateful,
        "shared": False,
        "security_group_rules": [security_group_rule(r) for r in rules],
    }


def floating_ip(row: models.FloatingIP) -> dict[str, Any]:
    view = _standard(row)
    return {
        **view,
        "floating_network_id": row.floating_network_id,
        "floating_ip_address": row.floating_ip_address,
        "port_id": row.port_id,
        "fixed_ip_address": row.fixed_ip_address,
        "router_id": row.router_id,
        "status": row.status,
        "port_details": None,
        "port_forwardings": [],
        "dns_name": row.dns_name or "",
        "dns_domain": row.dns_domain or "",
    }
