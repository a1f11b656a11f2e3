"""What each resource accepts on create (POST) and update (PUT), and how each value is checked.

``parse`` turns a request's resource object into the attributes the manager takes, rejecting
unknown, read-only and missing attributes the way Neutron's API layer does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nimbus.network import constants as c
from nimbus.network.errors import HTTPBadRequest
from nimbus.network.schemas import convert as cv

_MISSING = object()


@dataclass(frozen=True)
class Attr:
    convert: cv.Converter
    post: bool = True
    put: bool = True
    required: bool = False


_name = Attr(cv.string(255))
_desc = Attr(cv.string(255))
_project = Attr(cv.project, put=False)
_admin_state = Attr(cv.boolean)

NETWORK: dict[str, Attr] = {
    "name": _name, "description": _desc, "project_id": _project, "tenant_id": _project,
    "admin_state_up": _admin_state,
    "shared": Attr(cv.boolean),
    "router:external": Attr(cv.boolean),
    "mtu": Attr(cv.integer(68, 9000)),
    "port_security_enabled": Attr(cv.boolean),
    "availability_zone_hints": Attr(cv.list_of(cv.string(255)), put=False),
    "provider:network_type": Attr(cv.one_of("flat", "vlan", "vxlan", "geneve", "gre", "local"),
                                  put=False),
    "provider:physical_network": Attr(cv.nullable(cv.string(64)), put=False),
    "provider:segmentation_id": Attr(cv.nullable(cv.integer(1, 16777215)), put=False),
}

_pool = cv.dict_of({"start": cv.ip_address, "end": cv.ip_address}, required=("start", "end"))
_route = cv.dict_of({"destination": cv.cidr, "nexthop": cv.ip_address},
                    required=("destination", "nexthop"))

SUBNET: dict[str, Attr] = {
    "name": _name, "description": _desc, "project_id": _project, "tenant_id": _project,
    "network_id": Attr(cv.uuid_str, put=False, required=True),
    "ip_version": Attr(cv.integer(), put=False, required=True),
    "cidr": Attr(cv.cidr, put=False),
    "gateway_ip": Attr(cv.nullable(cv.ip_address)),
    "allocation_pools": Attr(cv.list_of(_pool)),
    "dns_nameservers": Attr(cv.list_of(cv.ip_address, unique=True)),
    "host_routes": Attr(cv.list_of(_route, unique=True)),
    "enable_dhcp": Attr(cv.boolean),
    "ipv6_ra_mode": Attr(cv.nullable(cv.one_of(*c.IPV6_MODES)), put=False),
    "ipv6_address_mode": Attr(cv.nullable(cv.one_of(*c.IPV6_MODES)), put=False),
    "subnetpool_id": Attr(cv.nullable(cv.string(36)), put=False),
    "prefixlen": Attr(cv.integer(0, 128), put=False),
    "service_types": Attr(cv.list_of(cv.string(255))),
    "segment_id": Attr(cv.nullable(cv.string(36)), put=False),
}

_fixed_ip = cv.dict_of({"subnet_id": cv.uuid_str, "ip_address": cv.ip_address})
_pair = cv.dict_of({"ip_address": cv.string(64), "mac_address": cv.mac},
                   required=("ip_address",))
_dhcp_opt = cv.dict_of({"opt_name": cv.string(255), "opt_value": cv.nullable(cv.string(255)),
                        "ip_version": cv.integer(4, 6)}, required=("opt_name",))

PORT: dict[str, Attr] = {
    "name": _name, "description": _desc, "project_id": _project, "tenant_id": _project,
    "network_id": Attr(cv.uuid_str, put=False, required=True),
    "admin_state_up": _admin_state,
    "mac_address": Attr(cv.mac),
    "fixed_ips": Attr(cv.list_of(_fixed_ip)),
    "device_id": Attr(cv.string(255)),
    "device_owner": Attr(cv.string(255)),
    "security_groups": Attr(cv.nullable(cv.list_of(cv.uuid_str))),
    "port_security_enabled": Attr(cv.boolean),
    "allowed_address_pairs": Attr(cv.nullable(cv.list_of(_pair))),
    "extra_dhcp_opts": Attr(cv.nullable(cv.list_of(_dhcp_opt))),
    "binding:host_id": Attr(cv.nullable(cv.string(255))),
    "binding:vnic_type": Attr(cv.one_of(*c.VNIC_TYPES)),
    "binding:profile": Attr(cv.nullable(cv.any_dict)),
}

_ext_ip = cv.dict_of({"subnet_id": cv.uuid_str, "ip_address": cv.ip_address})
_gateway = cv.nullable(cv.dict_of({
    "network_id": cv.uuid_str, "enable_snat": cv.boolean,
    "external_fixed_ips": cv.list_of(_ext_ip),
}))

ROUTER: dict[str, Attr] = {
    "name": _name, "description": _desc, "project_id": _project, "tenant_id": _project,
    "admin_state_up": _admin_state,
    "external_gateway_info": Attr(_gateway),
    "routes": Attr(cv.nullable(cv.list_of(_route, unique=True)), post=False),
    "availability_zone_hints": Attr(cv.list_of(cv.string(255)), put=False),
}

SECURITY_GROUP: dict[str, Attr] = {
    "name": _name, "description": _desc, "project_id": _project, "tenant_id": _project,
    "stateful": Attr(cv.boolean),
}

SECURITY_GROUP_RULE: dict[str, Attr] = {
    "description": Attr(cv.string(255), put=False), "project_id": _project,
    "tenant_id": _project,
    "security_group_id": Attr(cv.uuid_str, put=False, required=True),
    "direction": Attr(cv.one_of("ingress", "egress"), put=False, required=True),
    "ethertype": Attr(cv.one_of("IPv4", "IPv6"), put=False),
    "protocol": Attr(cv.nullable(lambda a, v: v), put=False),
    "port_range_min": Attr(cv.nullable(cv.integer()), put=False),
    "port_range_max": Attr(cv.nullable(cv.integer()), put=False),
    "remote_ip_prefix": Attr(cv.nullable(cv.string(64)), put=False),
    "remote_group_id": Attr(cv.nullable(cv.uuid_str), put=False),
    "remote_address_group_id": Attr(cv.nullable(cv.uuid_str), put=False),
}

FLOATINGIP: dict[str, Attr] = {
    "description": _desc, "project_id": _project, "tenant_id": _project,
    "floating_network_id": Attr(cv.uuid_str, put=False, required=True),
    "floating_ip_address": Attr(cv.ip_address, put=False),
    "subnet_id": Attr(cv.nullable(cv.uuid_str), put=False),
    "port_id": Attr(cv.nullable(cv.uuid_str)),
    "fixed_ip_address": Attr(cv.nullable(cv.ip_address)),
}


def parse(body: dict[str, Any], spec: dict[str, Attr], create: bool) -> dict[str, Any]:
    """Validated attributes of one resource object; ``tenant_id`` folds into ``project_id``."""
    unknown = [k for k in body if k not in spec]
    if unknown:
        raise HTTPBadRequest(f"Unrecognized attribute(s) '{', '.join(sorted(unknown))}'")
    out: dict[str, Any] = {}
    for key, value in body.items():
        attr = spec[key]
        if (create and not attr.post) or (not create and not attr.put):
            raise HTTPBadRequest(f"Cannot update read-only attribute {key}" if not create
                                 else f"Attribute '{key}' not allowed in POST")
        out[key] = attr.convert(key, value)
    if create:
        for key, attr in spec.items():
            if attr.required and key not in out:
                raise HTTPBadRequest(
                    f"Failed to parse request. Required attribute '{key}' not specified")
    if "tenant_id" in out:
        tenant = out.pop("tenant_id")
        if out.setdefault("project_id", tenant) != tenant:
            raise HTTPBadRequest("'project_id' and 'tenant_id' do not match")
    return out
