"""Default policy: Neutron's rule names, so an operator's neutron policy.yaml still reads true.

Attribute rules (``create_port:binding:host_id``) are checked only when the request sets that
attribute; ``get_<resource>:<attr>`` rules hide the attribute from callers who fail them.
"""

from __future__ import annotations

ADMIN = "rule:admin_only"
MEMBER = "rule:admin_or_member"
READER = "rule:admin_or_reader"
ADMIN_OR_SERVICE = "rule:admin_only or rule:service_api"
NET_OWNER = "rule:admin_only or (role:member and rule:network_owner)"
NET_OWNER_OR_SERVICE = f"{NET_OWNER} or rule:service_api"

_BASE = {
    "admin_only": "rule:context_is_admin",
    "service_api": "role:service",
    "context_is_advsvc": "role:advsvc",
    "network_owner": "project_id:%(network:project_id)s",
    "shared": "True:%(shared)s",
    "external": "True:%(router:external)s",
}

_NETWORKS = {
    "create_network": MEMBER,
    "create_network:shared": ADMIN,
    "create_network:router:external": ADMIN,
    "create_network:is_default": ADMIN,
    "create_network:port_security_enabled": MEMBER,
    "create_network:segments": ADMIN,
    "create_network:provider:network_type": ADMIN,
    "create_network:provider:physical_network": ADMIN,
    "create_network:provider:segmentation_id": ADMIN,
    "get_network": f"{READER} or rule:shared or rule:external or rule:context_is_advsvc "
                   "or rule:service_api",
    "get_network:router:external": "@",
    "get_network:segments": ADMIN,
    "get_network:provider:network_type": ADMIN_OR_SERVICE,
    "get_network:provider:physical_network": ADMIN_OR_SERVICE,
    "get_network:provider:segmentation_id": ADMIN_OR_SERVICE,
    "update_network": MEMBER,
    "update_network:shared": ADMIN,
    "update_network:router:external": ADMIN,
    "update_network:is_default": ADMIN,
    "update_network:port_security_enabled": MEMBER,
    "delete_network": MEMBER,
}

_SUBNETS = {
    "create_subnet": NET_OWNER,
    "create_subnet:segment_id": ADMIN,
    "create_subnet:service_types": ADMIN,
    "get_subnet": f"{READER} or rule:shared or rule:service_api",
    "update_subnet": NET_OWNER,
    "update_subnet:service_types": ADMIN,
    "delete_subnet": NET_OWNER,
}

_PORTS = {
    "create_port": f"{MEMBER} or rule:service_api",
    "create_port:device_owner": f"{NET_OWNER_OR_SERVICE} or rule:context_is_advsvc",
    "create_port:mac_address": NET_OWNER_OR_SERVICE,
    "create_port:fixed_ips": f"{NET_OWNER_OR_SERVICE} or rule:shared",
    "create_port:fixed_ips:ip_address": NET_OWNER_OR_SERVICE,
    "create_port:fixed_ips:subnet_id": f"{NET_OWNER_OR_SERVICE} or rule:shared",
    "create_port:port_security_enabled": NET_OWNER_OR_SERVICE,
    "create_port:mac_learning_enabled": NET_OWNER_OR_SERVICE,
    "create_port:binding:host_id": ADMIN_OR_SERVICE,
    "create_port:binding:profile": ADMIN_OR_SERVICE,
    "create_port:binding:vnic_type": f"{MEMBER} or rule:service_api",
    "create_port:allowed_address_pairs": f"{NET_OWNER_OR_SERVICE} or {MEMBER}",
    "get_port": f"{READER} or rule:context_is_advsvc or rule:service_api",
    "get_port:binding:vif_type": ADMIN_OR_SERVICE,
    "get_port:binding:vif_details": ADMIN_OR_SERVICE,
    "get_port:binding:host_id": ADMIN_OR_SERVICE,
    "get_port:binding:profile": ADMIN_OR_SERVICE,
    "get_port:resource_request": ADMIN_OR_SERVICE,
    "update_port": f"{MEMBER} or rule:context_is_advsvc or rule:service_api",
    "update_port:device_owner": f"{NET_OWNER_OR_SERVICE} or rule:context_is_advsvc",
    "update_port:mac_address": ADMIN_OR_SERVICE,
    "update_port:fixed_ips": f"{NET_OWNER_OR_SERVICE} or {MEMBER}",
    "update_port:fixed_ips:ip_address": f"{NET_OWNER_OR_SERVICE} or {MEMBER}",
    "update_port:fixed_ips:subnet_id": f"{NET_OWNER_OR_SERVICE} or {MEMBER}",
    "update_port:port_security_enabled": f"{NET_OWNER_OR_SERVICE} or {MEMBER}",
    "update_port:mac_learning_enabled": NET_OWNER_OR_SERVICE,
    "update_port:binding:host_id": ADMIN_OR_SERVICE,
    "update_port:binding:profile": ADMIN_OR_SERVICE,
    "update_port:binding:vnic_type": f"{MEMBER} or rule:service_api",
    "update_port:allowed_address_pairs": f"{NET_OWNER_OR_SERVICE} or {MEMBER}",
    "delete_port": f"{MEMBER} or rule:context_is_advsvc or rule:service_api",
    # binding-extended: compute (the service role) and admins only, as in Neutron.
    "create_port_binding": ADMIN_OR_SERVICE,
    "get_port_binding": ADMIN_OR_SERVICE,
    "delete_port_binding": ADMIN_OR_SERVICE,
    "activate": ADMIN_OR_SERVICE,
}

_ROUTERS = {
    "create_router": MEMBER,
    "create_router:external_gateway_info": MEMBER,
    "create_router:external_gateway_info:network_id": MEMBER,
    "create_router:external_gateway_info:enable_snat": ADMIN,
    "create_router:external_gateway_info:external_fixed_ips": ADMIN,
    "get_router": READER,
    "get_service_provider": READER,
    "get_availability_zone": READER,
    "create_floatingip_port_forwarding": MEMBER,
    "get_floatingip_port_forwarding": READER,
    "update_floatingip_port_forwarding": MEMBER,
    "delete_floatingip_port_forwarding": MEMBER,
    "get_network_ip_availability": ADMIN,
    # A project's own topology, or any for admins.
    "get_auto_allocated_topology": "rule:admin_only or (role:member and "
                                   "project_id:%(project_id)s)",
    "delete_auto_allocated_topology": "rule:admin_only or (role:member and "
                                      "project_id:%(project_id)s)",
    "create_default_security_group_rule": ADMIN,
    "get_default_security_group_rule": READER,
    "delete_default_security_group_rule": ADMIN,
    "create_segment": ADMIN,
    "get_segment": ADMIN,
    "update_segment": ADMIN,
    "delete_segment": ADMIN,
    "create_trunk": MEMBER,
    "get_trunk": READER,
    "update_trunk": MEMBER,
    "delete_trunk": MEMBER,
    "get_subports": READER,
    "add_subports": MEMBER,
    "remove_subports": MEMBER,
    "create_router:distributed": ADMIN,
    "get_router:distributed": ADMIN,
    "update_router:distributed": ADMIN,
    "create_router:ha": ADMIN,
    "get_router:ha": ADMIN,
    "update_router:ha": ADMIN,
    "update_router": MEMBER,
    "update_router:external_gateway_info": MEMBER,
    "update_router:external_gateway_info:network_id": MEMBER,
    "update_router:external_gateway_info:enable_snat": ADMIN,
    "update_router:external_gateway_info:external_fixed_ips": ADMIN,
    "delete_router": MEMBER,
    "add_router_interface": MEMBER,
    "add_extraroutes": MEMBER,
    "remove_extraroutes": MEMBER,
    "remove_router_interface": MEMBER,
}

_SECURITY = {
    "create_security_group": MEMBER,
    "get_security_group": f"{READER} or rule:shared",
    "update_security_group": MEMBER,
    "delete_security_group": MEMBER,
    "create_security_group_rule": MEMBER,
    "get_security_group_rule": READER,
    "delete_security_group_rule": MEMBER,
}

_OTHER = {
    "create_floatingip": MEMBER,
    "create_floatingip:floating_ip_address": ADMIN,
    "get_floatingip": READER,
    "update_floatingip": MEMBER,
    "delete_floatingip": MEMBER,
    "get_quota": READER,
    "update_quota": ADMIN,
    "delete_quota": ADMIN,
    "get_network_ip_availability": ADMIN,
    # Agents are the cloud's own machinery: admins only, as in Neutron.
    "get_agent": ADMIN,
    "update_agent": ADMIN,
    "delete_agent": ADMIN,
    "get_l3-routers": ADMIN,
    "create_l3-router": ADMIN,
    "delete_l3-router": ADMIN,
    "get_l3-agents": ADMIN,
    "get_dhcp-networks": ADMIN,
    "create_dhcp-network": ADMIN,
    "delete_dhcp-network": ADMIN,
    "get_dhcp-agents": ADMIN,
}

# QoS: admins make policies and rules; a project reads its own and the shared ones, as in
# Neutron (where ``shared_qos_policy`` is the shared flag of the policy).
_QOS = {
    "create_policy": ADMIN,
    "get_policy": f"{READER} or rule:shared",
    "update_policy": ADMIN,
    "delete_policy": ADMIN,
    "get_rule_type": "role:reader or rule:admin_only",
    **{f"{action}_policy_{kind}_rule": READER if action == "get" else ADMIN
       for action in ("get", "create", "update", "delete")
       for kind in ("bandwidth_limit", "dscp_marking", "minimum_bandwidth",
                    "minimum_packet_rate")},
}
# A shared policy's rules are read by every project that may use it.
_QOS.update({f"get_policy_{kind}_rule": f"{READER} or rule:shared"
             for kind in ("bandwidth_limit", "dscp_marking", "minimum_bandwidth",
                          "minimum_packet_rate")})

# Address scopes and subnet pools: a project's own, or shared by an admin with every project.
_ADDRESSING = {
    **{f"{action}_{kind}": MEMBER for action in ("create", "update", "delete")
       for kind in ("address_scope", "subnetpool")},
    "get_address_scope": f"{READER} or rule:shared",
    "get_subnetpool": f"{READER} or rule:shared",
    "create_address_scope:shared": ADMIN,
    "update_address_scope:shared": ADMIN,
    "create_subnetpool:shared": ADMIN,
    "create_subnetpool:is_default": ADMIN,
    "update_subnetpool:is_default": ADMIN,
    # Address groups have no shared flag: only an RBAC policy shares one, and the target then
    # reads it (Neutron's ``shared_address_groups``).
    "shared_address_groups": "rule:shared",
    "create_address_group": MEMBER,
    "get_address_group": f"{READER} or rule:shared_address_groups",
    "update_address_group": MEMBER,
    "delete_address_group": MEMBER,
    "add_addresses": MEMBER,
    "remove_addresses": MEMBER,
}

# Metering is an admin's tool in Neutron: labels and rules alike.
_METERING = {f"{action}_{kind}": ADMIN for action in ("create", "get", "delete")
             for kind in ("metering_label", "metering_label_rule")}

# RBAC: an object's owner grants; only admins grant every project (``*``).
_RBAC = {
    "create_rbac_policy": MEMBER,
    "create_rbac_policy:target_tenant": ADMIN,
    "get_rbac_policy": READER,
    "update_rbac_policy": MEMBER,
    "update_rbac_policy:target_tenant": ADMIN,
    "delete_rbac_policy": MEMBER,
}

# A router's conntrack helpers are its owner's (Neutron's parent owner): members change them,
# readers read them.
_CONNTRACK_HELPERS = {f"{action}_router_conntrack_helper": READER if action == "get" else MEMBER
                      for action in ("create", "get", "update", "delete")}

# Flavors: admins make them and their profiles; everyone reads flavors (to choose one), only
# admins read profiles.
_FLAVORS = {
    **{f"{action}_{kind}": ADMIN for action in ("create", "get", "update", "delete")
       for kind in ("flavor", "service_profile")},
    "get_flavor": "role:reader or rule:admin_only",
    "create_flavor_service_profile": ADMIN,
    "get_flavor_service_profile": READER,
    "delete_flavor_service_profile": ADMIN,
}

POLICY: dict[str, str] = {**_BASE, **_NETWORKS, **_SUBNETS, **_PORTS, **_ROUTERS, **_SECURITY,
                          **_OTHER, **_QOS, **_ADDRESSING, **_METERING, **_RBAC,
                          **_CONNTRACK_HELPERS, **_FLAVORS}
