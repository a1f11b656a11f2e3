"""CloudFormation networking, mapped to Neutron as Heat maps it: ``AWS::EC2::SecurityGroup``
(a Neutron security group whose rules are written in CloudFormation's words),
``AWS::EC2::EIP`` (a floating IP on the one external network, perhaps given to an instance)
and ``AWS::EC2::EIPAssociation`` (a floating IP, by address or by ID, given to an instance or
a port).

The security group is the native ``OS::Neutron::SecurityGroup`` underneath, given the rules
translated; the floating IPs speak to Neutron directly.
"""

from __future__ import annotations

import ipaddress
from typing import Any, ClassVar

from nimbus.core import errors
from nimbus.orchestration.resources.base import Resource, ResourceFailure, Runtime, UpdateReplace
from nimbus.orchestration.resources.heat_basic import physical_name
from nimbus.orchestration.resources.neutron import NeutronResource, secgroup_ids
from nimbus.orchestration.resources.neutron_secgroups import SecurityGroup
from nimbus.orchestration.resources.schema import LIST, MAP, STRING, Attr, Prop, Support
from nimbus.orchestration.resources.service_common import (
    ServiceResource,
    failure,
    fetch,
    item,
    query,
    remove,
    unspecified,
)

_NOT_IMPLEMENTED = "Not implemented: a value given is refused."
FLOATING = "/v2.0/floatingips"

_RULE: dict[str, Prop] = {
    "CidrIp": Prop(STRING, "The source (ingress) or destination (egress) addresses, as a "
                           "CIDR; ignored when neither port is given."),
    "FromPort": Prop(STRING, "The first port of the range (an ICMP type); negative for any."),
    "ToPort": Prop(STRING, "The last port of the range (an ICMP code); negative for any."),
    "IpProtocol": Prop(STRING, "The protocol (tcp, udp, icmp, or a number); -1 for any."),
    "SourceSecurityGroupId": Prop(STRING, "The remote security group, by ID."),
    "SourceSecurityGroupName": Prop(STRING, "The remote security group, by name."),
    "SourceSecurityGroupOwnerId": Prop(STRING, _NOT_IMPLEMENTED),
}
DIRECTIONS = {"SecurityGroupIngress": "ingress", "SecurityGroupEgress": "egress"}


def _port(value: Any) -> int | None:
    """A port as Neutron takes it: a negative one (CloudFormation's "any") is none."""
    if value is None or str(value).strip() == "":
        return None
    number = int(str(value))
    return number if number >= 0 else None


class AwsSecurityGroup(NeutronResource):
    TYPE = "AWS::EC2::SecurityGroup"
    DESCRIPTION = ("A CloudFormation security group: a Neutron security group with the "
                   "ingress and egress rules given (egress rules given replace Neutron's "
                   "default ones).")
    SUPPORT = Support(version="2014.1")
    # The group itself is shown and deleted as any Neutron item is.
    COLLECTION, KEY = "/v2.0/security-groups", "security_group"
    HIDDEN = frozenset({"SecurityGroupIngress.SourceSecurityGroupOwnerId",
                        "SecurityGroupEgress.SourceSecurityGroupOwnerId"})
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "GroupDescription": Prop(STRING, "What the security group is for.", required=True),
        "VpcId": Prop(STRING, "The VPC of the group (accepted, not used)."),
        "SecurityGroupIngress": Prop(LIST, "The rules of incoming traffic.",
                                     update_allowed=True, items=Prop(MAP, schema=_RULE)),
        "SecurityGroupEgress": Prop(LIST, "The rules of outgoing traffic.",
                                    update_allowed=True, items=Prop(MAP, schema=_RULE)),
    }

    def __init__(self, rt: Runtime, properties: dict[str, Any], data: dict[str, Any],
                 physical_id: str | None = None) -> None:
        super().__init__(rt, properties, data, physical_id)
        self._inner: SecurityGroup | None = None

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        for key in DIRECTIONS:
            for rule in props.get(key) or []:
                if isinstance(rule, dict) and rule.get("SourceSecurityGroupOwnerId") is not None:
                    raise failure("StackValidationFailed",
                                  "Property SourceSecurityGroupOwnerId not implemented yet")

    def _rule(self, given: dict[str, Any], direction: str) -> dict[str, Any]:
        """One rule in the native group's words."""
        protocol = given.get("IpProtocol")
        protocol = None if protocol in (None, "", "-1") else str(protocol).lower()
        rule: dict[str, Any] = {"direction": direction, "ethertype": "IPv4",
                                "port_range_min": _port(given.get("FromPort")),
                                "port_range_max": _port(given.get("ToPort")),
                                "protocol": protocol}
        remote = given.get("SourceSecurityGroupId") or given.get("SourceSecurityGroupName")
        if remote:
            ids = secgroup_ids(self.net, self.rt.project_id, [str(remote)])
            rule.update(remote_mode="remote_group_id", remote_group_id=ids[0])
        else:
            # Heat lets the addresses go with the ports: a rule without ports is for anyone.
            portless = given.get("FromPort") is None and given.get("ToPort") is None
            rule.update(remote_mode="remote_ip_prefix",
                        remote_ip_prefix=None if portless else given.get("CidrIp"))
        return rule

    def _translated(self, props: dict[str, Any]) -> dict[str, Any]:
        """The native group's properties for ``props``."""
        rules = [self._rule(r, direction) for key, direction in DIRECTIONS.items()
                 for r in props.get(key) or []]
        return {"name": None, "description": props.get("GroupDescription"), "rules": rules,
                "stateful": None}

    def _group(self) -> SecurityGroup:
        """The native group this one is; it shares this resource's data (the name it was
        given), and is kept so that its clients are made once."""
        translated = self._translated(self.properties)
        if self._inner is None:
            self._inner = SecurityGroup(self.rt, translated, self.data, self.physical_id)
        self._inner.rt, self._inner.properties = self.rt, translated
        self._inner.physical_id = self.physical_id
        return self._inner

    def create(self) -> None:
        self.validate_properties(self.properties)
        group = self._group()
        try:
            group.create()
        finally:
            self.physical_id = group.physical_id

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        if any(not self.PROPERTIES[k].update_allowed for k in changed if k in self.PROPERTIES):
            raise UpdateReplace()
        self.validate_properties(new)
        self._group().update(self._translated(new), {"rules"})
        self.properties = new


# -- floating IPs -------------------------------------------------------------------------------
def first_interface(nova: Any, server_id: str) -> tuple[str, str | None]:
    """The port of a server's first interface and its IPv4 address, which a floating IP is
    given to."""
    listed = (nova.get(f"{item('/servers', server_id)}/os-interface") or {}).get(
        "interfaceAttachments") or []
    if not listed:
        raise failure("InterfaceNotFound", f"No network interface found for server "
                                           f"{server_id}.")
    first = listed[0]
    fixed = next((f["ip_address"] for f in first.get("fixed_ips") or []
                  if _is_v4(f.get("ip_address"))), None)
    return str(first["port_id"]), fixed


def _is_v4(address: Any) -> bool:
    try:
        return ipaddress.ip_address(str(address)).version == 4
    except ValueError:
        return False


def point(net: Any, fip_id: str, port: str | None, fixed: str | None = None,
          missing_ok: bool = False) -> None:
    """Give the floating IP to ``port`` (None: to no port)."""
    try:
        net.put(item(FLOATING, fip_id), {"floatingip": {"port_id": port,
                                                        "fixed_ip_address": fixed}})
    except errors.NotFound:
        if not missing_ok:
            raise


def fip_of(net: Any, address: str) -> str:
    found = (net.get(query(FLOATING, floating_ip_address=address)) or {}).get(
        "floatingips") or []
    if not found:
        raise failure("EntityMatchNotFound",
                      f"No floatingip matching {{'ip_address': '{address}'}}.")
    return str(found[0]["id"])


class ElasticIp(ServiceResource):
    TYPE = "AWS::EC2::EIP"
    DESCRIPTION = ("A CloudFormation elastic IP: a floating IP from the one external network, "
                   "given to InstanceId when that is set. Its Ref is the address.")
    SUPPORT = Support(version="2014.1")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "Domain": Prop(STRING, 'Kept for old templates: only "vpc" is taken, and it changes '
                               "nothing.", allowed=("vpc",)),
        "InstanceId": Prop(STRING, "The instance the address is given to.",
                           update_allowed=True, custom="nova.server"),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "AllocationId": Attr("The floating IP's ID, which an EIPAssociation may name.",
                             STRING),
    }

    def create(self) -> None:
        net = self.client("network")
        externals = (net.get(query("/v2.0/networks", **{"router:external": True})) or {}).get(
            "networks") or []
        if len(externals) != 1:
            raise failure("Error", f"Expected 1 external network, found {len(externals)}")
        made = net.post(FLOATING, {"floatingip": {
            "floating_network_id": externals[0]["id"]}})["floatingip"]
        self.physical_id = str(made["id"])
        self.data["address"] = made.get("floating_ip_address")
        if self.properties.get("InstanceId"):
            self._give(str(self.properties["InstanceId"]))

    def _give(self, server: str) -> None:
        port, fixed = first_interface(self.client("compute"), server)
        point(self.client("network"), str(self.physical_id), port, fixed)

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        if any(not self.PROPERTIES[k].update_allowed for k in changed if k in self.PROPERTIES):
            raise UpdateReplace()
        if "InstanceId" in changed:
            if new.get("InstanceId"):
                self._give(str(new["InstanceId"]))
            else:
                point(self.client("network"), str(self.physical_id), None)
        self.properties = new

    def delete(self) -> None:
        if not self.physical_id:
            return
        net = self.client("network")
        if self.properties.get("InstanceId"):
            point(net, self.physical_id, None, missing_ok=True)
        remove(net, item(FLOATING, self.physical_id))

    def reference(self) -> Any:
        if not self.physical_id:
            return None
        if not self.data.get("address"):
            found = fetch(self.client("network"), item(FLOATING, self.physical_id),
                          "floatingip") or {}
            self.data["address"] = found.get("floating_ip_address")
        return self.data.get("address") or self.rt.resource_name

    def attribute(self, name: str) -> Any:
        if name == "AllocationId":
            return self.physical_id
        if name == "show":
            return self.show()
        return None

    def show(self) -> Any:
        if not self.physical_id:
            return None
        return fetch(self.client("network"), item(FLOATING, self.physical_id), "floatingip")


class ElasticIpAssociation(ServiceResource):
    TYPE = "AWS::EC2::EIPAssociation"
    DESCRIPTION = ("Gives a floating IP (by address, EIP, or by ID, AllocationId) to an "
                   "instance or to a port (NetworkInterfaceId).")
    SUPPORT = Support(version="2014.1")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "InstanceId": Prop(STRING, "The instance the floating IP is given to.",
                           update_allowed=True, custom="nova.server"),
        "EIP": Prop(STRING, "The floating IP, by address (needs InstanceId).",
                    update_allowed=True, custom="ip_addr"),
        "AllocationId": Prop(STRING, "The floating IP, by ID.", update_allowed=True),
        "NetworkInterfaceId": Prop(STRING, "The port the floating IP is given to.",
                                   update_allowed=True),
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        # These are often Refs, unknown at validation: checked once they are resolved.
        if not complete:
            return
        if bool(props.get("EIP")) == bool(props.get("AllocationId")):
            raise failure("StackValidationFailed",
                          "Either 'EIP' or 'AllocationId' must be provided.")
        if props.get("EIP") and not props.get("InstanceId"):
            raise failure("StackValidationFailed",
                          "Must specify 'InstanceId' if you specify 'EIP'.")
        if not props.get("InstanceId") and not props.get("NetworkInterfaceId"):
            raise unspecified("InstanceId", "NetworkInterfaceId")

    def _port(self, props: dict[str, Any]) -> str | None:
        """The port an allocation goes to: the one named, else the instance's first."""
        if props.get("NetworkInterfaceId"):
            return str(props["NetworkInterfaceId"])
        ports = (self.client("network").get(query("/v2.0/ports",
                                                  device_id=props.get("InstanceId"))) or {}
                 ).get("ports") or []
        return str(ports[0]["id"]) if ports else None

    def _give(self, props: dict[str, Any]) -> str | None:
        """Give the floating IP ``props`` name to its target; its ID or address, or None when
        there is no port to give an allocation to."""
        net = self.client("network")
        if props.get("EIP"):
            port, fixed = first_interface(self.client("compute"), str(props["InstanceId"]))
            point(net, fip_of(net, str(props["EIP"])), port, fixed)
            return str(props["EIP"])
        port_id = self._port(props)
        if port_id is None:
            return None
        point(net, str(props["AllocationId"]), port_id)
        return str(props["AllocationId"])

    def _take_back(self, props: dict[str, Any], missing_ok: bool = False) -> None:
        net = self.client("network")
        if props.get("EIP"):
            try:
                fip = fip_of(net, str(props["EIP"]))
            except (ResourceFailure, errors.NotFound):
                if missing_ok:
                    return
                raise
            point(net, fip, None, missing_ok=missing_ok)
        elif props.get("AllocationId"):
            point(net, str(props["AllocationId"]), None, missing_ok=missing_ok)

    def create(self) -> None:
        self.validate_properties(self.properties)
        self.data["name"] = physical_name(self.rt.stack_name, self.rt.resource_name)
        self.physical_id = self._give(self.properties)

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.validate_properties(new)
        moved_ip = bool({"EIP", "AllocationId"} & changed)
        moved_target = any(k in changed and new.get(k)
                           for k in ("InstanceId", "NetworkInterfaceId"))
        if moved_ip and moved_target:
            # Both ends change: a new association, as Heat makes one.
            raise UpdateReplace()
        if moved_ip:
            self._take_back(self.properties)
        self.physical_id = self._give(new) or self.physical_id
        self.properties = new

    def delete(self) -> None:
        if self.physical_id:
            self._take_back(self.properties, missing_ok=True)

    def reference(self) -> Any:
        return self.data.get("name")


TYPES: tuple[type[Resource], ...] = (AwsSecurityGroup, ElasticIp, ElasticIpAssociation)
