"""Version discovery at the service root, the v2.0 resource list, and /v2.0/extensions."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.network.errors import ExtensionNotFound
from nimbus.network.state import NetworkState

router = Router()
UPDATED = "2024-04-01T00:00:00-00:00"

RESOURCES = [("network", "networks"), ("subnet", "subnets"), ("port", "ports"),
             ("router", "routers"), ("security_group", "security-groups"),
             ("security_group_rule", "security-group-rules"), ("floatingip", "floatingips"),
             ("quota", "quotas")]

# (alias, name, description): only what this service really implements.
EXTENSIONS = [
    ("router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 "
     "Neutron networks and access to external networks via a NAT gateway."),
    ("external-net", "Neutron external network", "Adds external network attribute to network "
     "resource."),
    ("ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the router "
     "abstraction for specifying whether SNAT should occur on the external gateway"),
    ("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"),
    ("extraroute-atomic", "Atomically add/remove extra routes", "Edit extra routes of a router "
     "on server side by atomically adding/removing extra routes"),
    ("security-group", "security-group", "The security groups extension."),
    ("binding", "Port Binding", "Expose port bindings of a virtual port to external "
     "application"),
    ("binding-extended", "Port Bindings Extended", "Expose port bindings of a virtual port to "
     "external application"),
    ("qos", "Quality of Service", "The Quality of Service extension."),
    ("address-scope", "Address scope", "Address scopes extension."),
    ("rbac-policies", "RBAC Policies", "Allows creation and modification of policies that "
                                       "control tenant access to resources."),
    ("rbac-address-scope", "Add address_scope type to RBAC", "Add address_scope type to "
                                                             "RBAC"),
    ("rbac-subnetpool", "Add subnetpool type to RBAC", "Add subnetpool type to RBAC"),
    ("rbac-security-groups", "Add security_group type to network RBAC",
     "Add security_group type to network RBAC"),
    ("metering", "Neutron Metering", "Neutron Metering extension."),
    ("metering_source_and_destination_fields",
     "Neutron Metering with source and destination filtering",
     "Neutron Metering extension that enables the use of source and destination IP prefixes "
     "in metering label rules."),
    ("subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet "
                                               "pool"),
    ("default-subnetpools", "Default Subnetpools", "Provides ability to mark and use a "
                                                   "subnetpool as the default."),
    ("qos-bw-limit-direction", "Direction for QoS bandwidth limit rule",
     "Allow to configure QoS bandwidth limit rule with specific direction: ingress or egress"),
    ("qos-bw-minimum-ingress", "Ingress direction for QoS minimum bandwidth rule",
     "Allow to configure QoS minumum bandwidth rule with ingress direction."),
    ("qos-default", "QoS default policy", "Expose the QoS default policy per project"),
    ("qos-rule-type-details", "QoS rule type details",
     "Expose details about QoS rule types supported by loaded backend drivers"),
    ("qos-pps-minimum", "QoS minimum packet rate rule",
     "Allow to configure QoS minimum packet rate rule."),
    ("port-resource-request", "Port Resource Request",
     "Expose resource request to Port"),
    ("port-resource-request-groups", "Port Resource Request Groups",
     "Support requesting multiple groups of resources per port"),
    ("port-security", "Port Security", "Provides port security"),
    ("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"),
    ("extra_dhcp_opt", "Neutron Extra DHCP options", "Extra options configuration for DHCP. "
     "Stored only; served by the DHCP backend when it exists."),
    ("provider", "Provider Network", "Expose mapping of virtual networks to physical networks"),
    ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
    ("availability_zone", "Availability Zone", "The availability zone extension."),
    ("dns-integration", "DNS Integration", "Provides integration with DNS."),
    ("dns-domain-ports", "dns_domain for ports", "Allows the DNS domain to be specified for "
     "a network port."),
    ("mac-learning", "MAC Learning", "Provides MAC learning capabilities."),
    ("network_availability_zone", "Network Availability Zone", "Availability zone support for "
     "network."),
    ("router_availability_zone", "Router Availability Zone", "Availability zone support for "
     "router."),
    ("agent", "agent", "The agent management extension."),
    ("l3_agent_scheduler", "L3 Agent Scheduler", "Schedule routers among l3 agents"),
    ("dhcp_agent_scheduler", "DHCP Agent Scheduler", "Schedule networks among dhcp agents"),
    ("quotas", "Quota management support", "Expose functions for quotas management per "
     "tenant"),
    ("quota_details", "Quota details management support", "Expose functions for quotas usage "
     "statistics per project"),
    ("quota-check-limit", "Quota engine limit check", "Support for checking the resource usage "
     "before applying a new quota limit"),
    ("standard-attr-description", "standard-attr-description", "Extension to add descriptions "
     "to standard attributes"),
    ("standard-attr-tag", "Tag support for resources with standard attribute: port, subnet, "
     "network, router, security_group, floatingip", "Enables to set tag on resources with "
     "standard attribute."),
    ("standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields "
     "to all Neutron resources that have Neutron standard attributes."),
    ("standard-attr-revisions", "Resource revision numbers", "This extension will display the "
     "revision number of neutron resources."),
    ("project-id", "project_id field enabled", "Extension that indicates that project_id field "
     "is enabled."),
    ("pagination", "Pagination support", "Extension that indicates that pagination is "
     "enabled."),
    ("sorting", "Sorting support", "Extension that indicates that sorting is enabled."),
    ("floating-ip-port-forwarding", "Floating IP Port Forwarding",
     "Provide a way to configure port forwarding rules for floating IPs"),
    ("floating-ip-port-forwarding-description", "Floating IP Port Forwarding new attribute "
     "description", "Add a description field to Port Forwarding rules"),
    ("floating-ip-port-forwarding-port-ranges", "Floating IP Port Forwarding support port "
     "ranges", "Add suport to port ranges on Port Forwarding rules"),
    ("auto-allocated-topology", "Auto Allocated Topology Services", "Auto Allocated Topology "
     "Services."),
    ("network-ip-availability", "Network IP Availability", "Provides IP availability data "
     "for each network and subnet."),
    ("segment", "Segment", "Segments extension."),
    ("standard-attr-segment", "Standard Attribute Segment Extension", "Add standard "
     "attributes to Segment resource"),
    ("trunk", "Trunk Extension", "Provides support for trunk ports"),
    ("trunk-details", "Trunk port details", "Expose trunk port details"),
    ("tag", "Tag support", "Enables to set tag on resources."),
    ("ip-substring-filtering", "IP address substring filtering", "Provides IP address "
     "substring filtering when listing ports"),
    ("service-type", "Neutron Service Type Management", "API for retrieving service "
     "providers for Neutron advanced services"),
    ("dvr", "Distributed Virtual Router", "Enables configuration of Distributed Virtual "
     "Routers. Kept and shown; every router is centralized in its own namespace."),
    ("l3-ha", "HA Router extension", "Adds HA capability to routers. Kept and shown; every "
     "router has one namespace on the network node."),
    ("l3-conntrack-helper", "L3 Conntrack helper", "Allow adding CT target rules for conntrack "
     "helper"),
    ("flavors", "Neutron Service Flavors", "Flavor specification for Neutron advanced "
     "services."),
    ("l3-flavors", "Router Flavor Extension", "Flavor support for routers."),
    ("fip-port-details", "Floating IP Port Details Extension", "Add port_details attribute to "
     "Floating IP resource"),
    ("security-groups-default-rules", "Default rules for security groups", "Configure set "
     "of security group rules used as default rules for every new security group"),
    ("security-groups-normalized-cidr", "Normalized CIDR field for security group rules",
     "Add new field with normalized remote_ip_prefix cidr in SG rule"),
    ("stateful-security-group", "Stateful security group", "Indicates if the security group "
     "is stateful or not"),
    ("address-group", "Address group", "Support address group"),
    ("security-groups-remote-address-group", "Remote address group id field for security "
     "group rules", "Add new field of remote address group id in SG rules"),
    ("rbac-address-group", "Add address_group type to RBAC", "Add address_group type to "
     "network RBAC"),
]


def _extension(alias: str, name: str, description: str) -> dict[str, Any]:
    return {"alias": alias, "name": name, "description": description, "updated": UPDATED,
            "links": []}


@router.get("/", public=True)
def versions(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    return {"versions": [{"id": "v2.0", "status": "CURRENT",
                          "links": [{"href": f"{req.service_url}/v2.0/", "rel": "self"}]}]}


@router.get("/v2.0", public=True)
def resources(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    base = f"{req.service_url}/v2.0"
    return {"resources": [{"name": name, "collection": coll,
                           "links": [{"href": f"{base}/{coll}", "rel": "self"}]}
                          for name, coll in RESOURCES]}


# Advertised only with a driver that has agents: with none, nothing could be scheduled.
AGENT_EXTENSIONS = frozenset({"agent", "l3_agent_scheduler", "dhcp_agent_scheduler"})


def _offered(req: ApiRequest[NetworkState]) -> list[tuple[str, str, str]]:
    return [ext for ext in EXTENSIONS
            if ext[0] not in AGENT_EXTENSIONS or req.svc.driver.has_agents]


# What serves each advanced service (Neutron's ``service-type``): this service itself.
SERVICE_PROVIDERS = [{"service_type": "L3_ROUTER_NAT", "name": "nimbus", "default": True},
                     {"service_type": "QOS", "name": "nimbus", "default": True},
                     {"service_type": "METERING", "name": "nimbus", "default": True}]


@router.get("/v2.0/service-providers")
def list_service_providers(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the providers of the advanced services."""
    req.enforce("get_service_provider")
    found = [p for p in SERVICE_PROVIDERS
             if all(str(p.get(key)).lower() in {w.lower() for w in req.query.getlist(key)}
                    for key in ("service_type", "name", "default") if key in req.query)]
    fields = [f for value in req.query.getlist("fields") for f in value.split(",") if f]
    return {"service_providers": [{k: v for k, v in p.items() if not fields or k in fields}
                                  for p in found]}


@router.get("/v2.0/extensions", policy_free=True)
def list_extensions(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    return {"extensions": [_extension(*ext) for ext in _offered(req)]}


@router.get("/v2.0/extensions/{alias}", policy_free=True)
def show_extension(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    for ext in _offered(req):
        if ext[0] == req.params["alias"]:
            return {"extension": _extension(*ext)}
    raise ExtensionNotFound(id=req.params["alias"])
