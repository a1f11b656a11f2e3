"""Names the Networking API fixes: device owners, statuses, defaults."""

from __future__ import annotations

OWNER_ROUTER_INTERFACE = "network:router_interface"
OWNER_ROUTER_GATEWAY = "network:router_gateway"
OWNER_FLOATINGIP = "network:floatingip"
OWNER_DHCP = "network:dhcp"
ROUTER_OWNERS = (OWNER_ROUTER_INTERFACE, OWNER_ROUTER_GATEWAY)
# Ports the service itself manages; deleting their network or subnet removes them silently.
AUTO_DELETE_OWNERS = (OWNER_DHCP,)

ACTIVE = "ACTIVE"
DOWN = "DOWN"
ERROR = "ERROR"
BUILD = "BUILD"

VIF_UNBOUND = "unbound"
VIF_BINDING_FAILED = "binding_failed"
VNIC_TYPES = ("normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder",
              "smart-nic", "vdpa", "remote-managed")

DEFAULT_MTU = 1450
MAC_PREFIX = "fa:16:3e"
AVAILABILITY_ZONE = "nova"
# The domain of the names ports' addresses take (Neutron's ``dns_domain`` option). Not
# Neutron's default "openstacklocal.", with which Neutron ignores the ports' dns_name.
DNS_DOMAIN = "nimbus.internal."

IPV6_MODES = ("slaac", "dhcpv6-stateful", "dhcpv6-stateless")
IPV6_AUTO_MODES = ("slaac", "dhcpv6-stateless")

DEFAULT_QUOTAS = {
    "network": 100,
    "subnet": 100,
    "port": 500,
    "router": 10,
    "floatingip": 50,
    "security_group": 10,
    "security_group_rule": 100,
}
