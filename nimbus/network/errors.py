"""Neutron's fault types: each error names itself in the ``NeutronError`` body's ``type``."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors


class _Typed:
    """Mixin: put the class name into ``neutron_type`` so the renderer prints it."""

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("neutron_type", type(self).__name__)
        super().__init__(message, **kwargs)  # type: ignore[call-arg]


class HTTPBadRequest(_Typed, errors.BadRequest):
    """Attribute validation failures, as Neutron's API layer reports them."""

    message_format = "Invalid input for {attr}. Reason: {reason}."


class InvalidInput(_Typed, errors.BadRequest):
    message_format = "Invalid input for operation: {error_message}."


class BadRequest(_Typed, errors.BadRequest):
    message_format = "Bad {resource} request: {msg}."


class NetworkNotFound(_Typed, errors.NotFound):
    message_format = "Network {id} could not be found."


class SubnetNotFound(_Typed, errors.NotFound):
    message_format = "Subnet {id} could not be found."


class PortNotFound(_Typed, errors.NotFound):
    message_format = "Port {id} could not be found."


class RouterNotFound(_Typed, errors.NotFound):
    message_format = "Router {id} could not be found."


class SecurityGroupNotFound(_Typed, errors.NotFound):
    message_format = "Security group {id} does not exist"


class SecurityGroupRuleNotFound(_Typed, errors.NotFound):
    message_format = "Security group rule {id} does not exist"


class FloatingIPNotFound(_Typed, errors.NotFound):
    message_format = "Floating IP {id} could not be found"


class AgentNotFound(_Typed, errors.NotFound):
    message_format = "Agent {id} could not be found."


class InvalidL3Agent(_Typed, errors.NotFound):
    message_format = "Agent {id} is not a L3 Agent or has been disabled"


class InvalidDHCPAgent(_Typed, errors.NotFound):
    message_format = "Agent {id} is not a valid DHCP Agent or has been disabled"


class AvailabilityZoneNotFound(_Typed, errors.NotFound):
    message_format = "AvailabilityZone {availability_zone} could not be found."


class RouterHostedByL3Agent(_Typed, errors.Conflict):
    message_format = "The router {router_id} has been already hosted by the L3 Agent {agent_id}."


class RouterNotHostedByL3Agent(_Typed, errors.Conflict):
    message_format = "The router {router_id} is not hosted by L3 agent {agent_id}."


class NetworkHostedByDHCPAgent(_Typed, errors.Conflict):
    message_format = ("The network {network_id} has been already hosted by the DHCP Agent "
                      "{agent_id}.")


class NetworkNotHostedByDhcpAgent(_Typed, errors.Conflict):
    message_format = "The network {network_id} is not hosted by the DHCP agent {agent_id}."


class ExtensionNotFound(_Typed, errors.NotFound):
    message_format = "Extension with alias {id} does not exist"


class RouterInterfaceNotFound(_Typed, errors.NotFound):
    message_format = "Router {router_id} does not have an interface with id {port_id}"


class RouterInterfaceNotFoundForSubnet(_Typed, errors.NotFound):
    message_format = "Router {router_id} has no interface on subnet {subnet_id}"


class ExternalGatewayForFloatingIPNotFound(_Typed, errors.NotFound):
    message_format = ("External network {external_network_id} is not reachable from subnet "
                      "{subnet_id}. Therefore, cannot associate Port {port_id} with a Floating IP.")


class Conflict(_Typed, errors.Conflict):
    message_format = "{reason}"


class NetworkInUse(_Typed, errors.Conflict):
    message_format = ("Unable to complete operation on network {id}. There are one or more "
                      "ports still in use on the network.")


class SubnetInUse(_Typed, errors.Conflict):
    message_format = ("Unable to complete operation on subnet {id}: One or more ports have an "
                      "IP allocation from this subnet.")


class PortInUse(_Typed, errors.Conflict):
    message_format = ("Unable to complete operation on port {id} for network {net_id}. Port "
                      "already has an attached device {device_id}.")


class L3PortInUse(_Typed, errors.Conflict):
    message_format = ("Port {id} cannot be deleted directly via the port API: has device owner "
                      "{device_owner}.")


class RouterInUse(_Typed, errors.Conflict):
    message_format = "Router {id} {reason}"


class RouterInterfaceInUseByFloatingIP(_Typed, errors.Conflict):
    message_format = ("Router interface for subnet {subnet_id} on router {router_id} cannot be "
                      "deleted, as it is required by one or more floating IPs.")


class IpAddressGenerationFailure(_Typed, errors.Conflict):
    message_format = "No more IP addresses available on network {net_id}."


class IpAddressAlreadyAllocated(_Typed, errors.Conflict):
    message_format = "IP address {ip} already allocated in subnet {subnet_id}"


class MacAddressInUse(_Typed, errors.Conflict):
    message_format = ("Unable to complete operation for network {net_id}. The mac address {mac} "
                      "is in use.")


class SecurityGroupRuleExists(_Typed, errors.Conflict):
    message_format = "Security group rule already exists. Rule id is {rule_id}."


class SecurityGroupInUse(_Typed, errors.Conflict):
    message_format = "Security Group {id} in use."


class SecurityGroupCannotRemoveDefault(_Typed, errors.Conflict):
    message_format = "Insufficient rights for removing default security group."


class SecurityGroupDefaultAlreadyExists(_Typed, errors.Conflict):
    message_format = "Default security group already exists."


class FloatingIPPortAlreadyAssociated(_Typed, errors.Conflict):
    message_format = ("Cannot associate floating IP {floating_ip_address} ({fip_id}) with port "
                      "{port_id} using fixed IP {fixed_ip}, as that fixed IP already has a "
                      "floating IP on external network {net_id}.")


class OverQuota(_Typed, errors.Conflict):
    message_format = "Quota exceeded for resources: {overs}."


class AddressScopeNotFound(_Typed, errors.NotFound):
    message_format = "Address scope {address_scope_id} could not be found"


class AddressScopeInUse(_Typed, errors.Conflict):
    message_format = ("Unable to complete operation on address scope {address_scope_id}. There "
                      "are one or more subnet pools in use on the address scope")


class AddressScopePrefixConflict(_Typed, errors.Conflict):
    message_format = ("Failed to associate address scope: subnetpools within an address scope "
                      "must have unique prefixes.")


class AddressGroupNotFound(_Typed, errors.NotFound):
    message_format = "Address group {address_group_id} could not be found."


class AddressGroupInUse(_Typed, errors.Conflict):
    message_format = ("Address group {address_group_id} is in use on one or more security "
                      "group rules.")


class AddressesNotFound(_Typed, errors.NotFound):
    message_format = "Addresses {addresses} not found in the address group {address_group_id}."


class AddressesAlreadyExist(_Typed, errors.BadRequest):
    message_format = ("Addresses {addresses} already exist in the address group "
                      "{address_group_id}.")


class MeteringLabelNotFound(_Typed, errors.NotFound):
    message_format = "Metering label {label_id} does not exist"


class MeteringLabelRuleNotFound(_Typed, errors.NotFound):
    message_format = "Metering label rule {rule_id} does not exist"


class MeteringLabelRuleOverlaps(_Typed, errors.Conflict):
    message_format = ("Metering label rule with remote_ip_prefix {remote_ip_prefix} overlaps "
                      "another")


class RbacPolicyNotFound(_Typed, errors.NotFound):
    message_format = "RBAC policy with type {object_type} and id {id} not found"

    def __init__(self, message: str | None = None, **kwargs: object) -> None:
        kwargs.setdefault("object_type", "rbac_policy")
        super().__init__(message, **kwargs)


class DuplicateRbacPolicy(_Typed, errors.Conflict):
    message_format = "An RBAC policy already exists with those values."


class RbacPolicyInUse(_Typed, errors.Conflict):
    message_format = ("RBAC policy on object {object_id} cannot be removed because other "
                      "objects depend on it.\nDetails: {details}")


class SubnetPoolNotFound(_Typed, errors.NotFound):
    message_format = "Subnet pool {subnetpool_id} could not be found."


class SubnetPoolInUse(_Typed, errors.Conflict):
    message_format = "Subnet pool {subnet_pool_id} cannot be deleted: {reason}."


class SubnetAllocationError(_Typed, errors.Conflict):
    message_format = "Failed to allocate subnet: {reason}."


class IllegalSubnetPoolPrefixBounds(_Typed, errors.BadRequest):
    message_format = ("Illegal prefix bounds: {prefix_type}={prefixlen}, "
                      "{base_prefix_type}={base_prefixlen}.")


class IllegalSubnetPoolPrefixUpdate(_Typed, errors.BadRequest):
    message_format = "Illegal update to prefixes: {msg}."


class IllegalSubnetPoolAssociationToAddressScope(_Typed, errors.BadRequest):
    message_format = ("Illegal subnetpool association: subnetpool {subnetpool_id} cannot be "
                      "associated with address scope {address_scope_id}.")


for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, errors.NimbusError) \
            and _cls.__module__ == __name__:
        errors.register(_cls)


@errors.register
class TagNotFound(_Typed, errors.NotFound):
    """A missing tag, or a tag on a collection that has none."""

    message_format = "{reason}"


class PortBindingNotFound(_Typed, errors.NotFound):
    message_format = "Binding for port {port_id} for host {host} could not be found."


class PortBindingAlreadyExists(_Typed, errors.Conflict):
    message_format = "Binding for port {port_id} on host {host} already exists."


class PortBindingAlreadyActive(_Typed, errors.Conflict):
    message_format = "Binding for port {port_id} on host {host} is already active."


class QosPolicyNotFound(_Typed, errors.NotFound):
    message_format = "QoS policy {policy_id} could not be found."


class QosRuleNotFound(_Typed, errors.NotFound):
    message_format = "QoS rule {rule_id} for policy {policy_id} could not be found."


class QosPolicyInUse(_Typed, errors.Conflict):
    message_format = "QoS Policy {policy_id} is used by {object_type} {object_id}."


class QoSRulesConflict(_Typed, errors.Conflict):
    message_format = ("Rule {new_rule_type} conflicts with rule {rule_id} which already "
                      "exists in QoS Policy {policy_id}.")


class QoSPolicyDefaultAlreadyExists(_Typed, errors.Conflict):
    message_format = "A default QoS policy exists for project {project_id}."


class QosRuleTypeNotFound(_Typed, errors.NotFound):
    message_format = "QoS rule type {rule_type} could not be found."


class TrunkNotFound(_Typed, errors.NotFound):
    message_format = "Trunk {trunk_id} could not be found."


class SubPortNotFound(_Typed, errors.NotFound):
    message_format = "SubPort on trunk {trunk_id} with parent port {port_id} not found."


class TrunkPortInUse(_Typed, errors.Conflict):
    message_format = "Port {port_id} is in use by another trunk."


class ParentPortInUse(_Typed, errors.Conflict):
    message_format = ("Port {port_id} is currently in use and is not eligible for use as a "
                      "parent port.")


class PortInUseAsTrunkParent(_Typed, errors.Conflict):
    message_format = "Port {port_id} is currently a parent port for trunk {trunk_id}."


class PortInUseAsSubPort(_Typed, errors.Conflict):
    message_format = "Port {port_id} is currently a subport for trunk {trunk_id}."


class DuplicateSubPort(_Typed, errors.Conflict):
    message_format = ("segmentation_type {segmentation_type} and segmentation_id "
                      "{segmentation_id} already in use on trunk {trunk_id}.")


class TrunkDisabled(_Typed, errors.Conflict):
    message_format = "Trunk {trunk_id} is currently disabled."


class SubPortMtuGreaterThanTrunkPortMtu(_Typed, errors.Conflict):
    message_format = ("MTU {port_mtu} of subport {port_id} cannot be greater than MTU "
                      "{trunk_mtu} of trunk {trunk_id}.")



class PortForwardingNotFound(_Typed, errors.NotFound):
    message_format = "Port Forwarding {id} could not be found."


class FipInUseByPortForwarding(_Typed, errors.Conflict):
    message_format = "Floating IP {id} in use by Port Forwarding resources."


class SegmentNotFound(_Typed, errors.NotFound):
    message_format = "Segment {segment_id} could not be found."


class SegmentInUse(_Typed, errors.Conflict):
    message_format = "Segment '{segment_id}' cannot be deleted: {reason}."


class AutoAllocatedTopologyNotFound(_Typed, errors.NotFound):
    message_format = "Auto Allocated Topology for project {project_id} could not be found."


class HiddenNotFound(_Typed, errors.NotFound):
    """What Neutron answers about a resource the caller may not see: that it is not there."""

    message_format = "The resource could not be found."

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("neutron_type", "HTTPNotFound")
        super().__init__(message, **kwargs)


class DefaultSecurityGroupRuleNotFound(_Typed, errors.NotFound):
    message_format = "Default Security Group rule {id} does not exist"


class DefaultSecurityGroupRuleExists(_Typed, errors.Conflict):
    message_format = "Default Security group rule already exists. Rule id is {rule_id}."


class ConntrackHelperNotFound(_Typed, errors.NotFound):
    message_format = "Conntrack Helper {id} could not be found."


class ConntrackHelperNotAllowed(_Typed, errors.BadRequest):
    message_format = "Conntrack Helper {helper} is not allowed."


class InvalidProtocolForHelper(_Typed, errors.BadRequest):
    message_format = ("Conntrack Helper {helper} does not support: {protocol}. Supported "
                      "protocols are: {supported_protocols}")


class InvalidServiceType(_Typed, errors.BadRequest):
    message_format = "Invalid service type {service_type}."


class FlavorNotFound(_Typed, errors.NotFound):
    message_format = "Flavor {flavor_id} could not be found."


class FlavorInUse(_Typed, errors.Conflict):
    message_format = "Flavor {flavor_id} is used by some service instance."


class FlavorDisabled(_Typed, errors.ServiceUnavailable):
    message_format = "Flavor is not enabled."


class ServiceProfileNotFound(_Typed, errors.NotFound):
    message_format = "Service Profile {sp_id} could not be found."


class ServiceProfileInUse(_Typed, errors.Conflict):
    message_format = "Service Profile {sp_id} is used by some service instance."


class ServiceProfileDriverNotFound(_Typed, errors.NotFound):
    message_format = "Service Profile driver {driver} could not be found."


class ServiceProfileEmpty(_Typed, errors.BadRequest):
    message_format = "Service Profile needs either a driver or metainfo."


class ServiceProfileDisabled(_Typed, errors.ServiceUnavailable):
    message_format = "Service Profile is not enabled."


class FlavorServiceProfileBindingExists(_Typed, errors.Conflict):
    message_format = "Service Profile {sp_id} is already associated with flavor {fl_id}."


class FlavorServiceProfileBindingNotFound(_Typed, errors.NotFound):
    message_format = "Service Profile {sp_id} is not associated with flavor {fl_id}."
