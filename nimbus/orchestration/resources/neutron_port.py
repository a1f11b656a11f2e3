"""``OS::Neutron::Port``: a port on a network, with its fixed IPs, security groups and the
further properties a server's ``port_extra_properties`` may give the ports made for it."""

from __future__ import annotations

from typing import Any, ClassVar

from nimbus.orchestration.resources.base import Resource, UpdateReplace
from nimbus.orchestration.resources.neutron import NeutronResource, find_id, secgroup_ids, tags_prop
from nimbus.orchestration.resources.schema import BOOLEAN, LIST, MAP, STRING, Attr, Prop
from nimbus.orchestration.resources.service_common import conflict, fetch, item, not_assigned


class Port(NeutronResource):
    TYPE = "OS::Neutron::Port"
    DESCRIPTION = ("A resource for managing Neutron ports. A port is a virtual switch port on "
                   "a logical network switch, into which instances plug their interfaces; it "
                   "sets the MAC address and the IP addresses given to them, each address "
                   "taken from the allocation pool of a subnet.")
    COLLECTION, KEY, BUILDS = "/v2.0/ports", "port", True
    HIDDEN = frozenset({"network_id", "fixed_ips.subnet_id", "replacement_policy"})
    SHOWN_REQUIRED = frozenset({"network"})
    VNIC_TYPES = ("normal", "direct", "macvtap", "direct-physical", "baremetal",
                  "virtio-forwarder", "smart-nic")
    # The port properties a server's ``port_extra_properties`` may carry too.
    EXTRA: ClassVar[dict[str, Prop]] = {
        "value_specs": Prop(MAP, "Extra parameters to include in the request.", default={},
                            update_allowed=True),
        "admin_state_up": Prop(BOOLEAN, "The administrative state of this port.", default=True,
                               update_allowed=True),
        "mac_address": Prop(STRING, "MAC address to give to this port. Neutron's default "
                                    "policy lets only admins update it.", custom="mac_addr"),
        "allowed_address_pairs": Prop(
            LIST, "Additional MAC/IP address pairs allowed to pass through the port.",
            update_allowed=True, items=Prop(MAP, schema={
                "mac_address": Prop(STRING, "MAC address to let through this port.",
                                    custom="mac_addr"),
                "ip_address": Prop(STRING, "IP address to let through this port.",
                                   required=True, custom="ip_or_cidr")})),
        "binding:vnic_type": Prop(STRING, "The vnic type to bind the port with: normal "
                                          "(virtual nic), direct (PCI passthrough), macvtap "
                                          "(virtual interface with a tap-like software "
                                          "interface)... SR-IOV needs a deployment with the "
                                          "bindings extension.", default="normal",
                                  update_allowed=True, allowed=VNIC_TYPES),
        "port_security_enabled": Prop(BOOLEAN, "Enable or disable port security on the port. "
                                               "Disabled, no packet is filtered (no security "
                                               "group, no address pairs).", update_allowed=True),
        "qos_policy": Prop(STRING, "The name or ID of the QoS policy attached to the port.",
                           update_allowed=True, custom="neutron.qos_policy"),
        "propagate_uplink_status": Prop(BOOLEAN, "Enable or disable propagating the uplink "
                                                 "status to the port.", update_allowed=True),
        "no_fixed_ips": Prop(BOOLEAN, "Make the port without any fixed IP.", default=False,
                             update_allowed=True),
    }
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "A symbolic name for this port.", update_allowed=True),
        "network_id": Prop(STRING, custom="neutron.network"),
        "network": Prop(STRING, "The network of this port. To put a floating IP on the port, "
                                "give fixed_ips with a subnet. A change of network replaces "
                                "the port.", custom="neutron.network"),
        "fixed_ips": Prop(LIST, "The IPs wanted for this port.", update_allowed=True,
                          items=Prop(MAP, schema={
                              "subnet_id": Prop(STRING, custom="neutron.subnet"),
                              "subnet": Prop(STRING, "Subnet to allocate the port's IP address "
                                                     "in.", custom="neutron.subnet"),
                              "ip_address": Prop(STRING, "The IP address wanted in the subnet "
                                                         "for this port.", custom="ip_addr")})),
        "security_groups": Prop(LIST, "IDs of the security groups of this port.",
                                update_allowed=True),
        "replacement_policy": Prop(STRING, "How a stack update treats the port: REPLACE_ALWAYS "
                                           "replaces it whatever changes, AUTO updates it in "
                                           "place for properties that allow it.",
                                   default="AUTO", update_allowed=True,
                                   allowed=("REPLACE_ALWAYS", "AUTO")),
        "device_id": Prop(STRING, "Device ID of this port.", default="", update_allowed=True),
        "device_owner": Prop(STRING, "Name of the network owning the port, typically "
                                     "network:floatingip, network:router_interface or "
                                     "network:dhcp.", default="", update_allowed=True),
        "dns_name": Prop(STRING, "The DNS name of the port.", update_allowed=True,
                         custom="dns_name"),
        "tags": tags_prop("port"),
        **EXTRA,
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "admin_state_up": Attr("The administrative state of this port.", STRING),
        "device_id": Attr("Unique identifier of the device.", STRING),
        "device_owner": Attr("Name of the network owning the port.", STRING),
        "fixed_ips": Attr("Fixed IP addresses.", LIST),
        "mac_address": Attr("MAC address of the port.", STRING),
        "name": Attr("Friendly name of the port.", STRING),
        "network_id": Attr("Unique identifier of the network owning the port.", STRING),
        "security_groups": Attr("The security groups of the port.", LIST),
        "status": Attr("The status of the port.", STRING),
        "tenant_id": Attr("Tenant owning the port.", STRING),
        "allowed_address_pairs": Attr("Additional MAC/IP address pairs let through the port.",
                                      LIST),
        "subnets": Attr("Every subnet of the port, with its attributes.", LIST),
        "port_security_enabled": Attr("Port security enabled of the port.", BOOLEAN),
        "qos_policy_id": Attr("The ID of the QoS policy attached to this port.", STRING),
        "dns_assignment": Attr("The DNS assigned to this port.", MAP),
        "network": Attr("The attributes of the network owning the port, as the Networking API "
                        "shows them, e.g. ``{get_attr: [<port>, network, mtu]}``.", MAP),
        "propagate_uplink_status": Attr("Enable/Disable propagate uplink status of the port.",
                                        BOOLEAN),
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        if complete and props.get("network") is None and props.get("network_id") is None:
            raise not_assigned("network")
        if props.get("fixed_ips") and props.get("no_fixed_ips"):
            raise conflict("fixed_ips", "no_fixed_ips")

    def _prepare(self, body: dict[str, Any], for_update: bool = False) -> None:
        """Fixed IPs, address pairs and security groups as Neutron takes them."""
        if body.pop("no_fixed_ips", False):
            body["fixed_ips"] = []
        elif "fixed_ips" in body:
            if body["fixed_ips"]:
                ips = []
                for wanted in body["fixed_ips"]:
                    one = {k: v for k, v in wanted.items() if v is not None}
                    subnet = one.pop("subnet", None) or one.pop("subnet_id", None)
                    if subnet:
                        one["subnet_id"] = find_id(self.net, "subnet", subnet)
                    ips.append(one)
                body["fixed_ips"] = ips
            else:
                # An empty list keeps what Neutron chose (on create, its own choice).
                body.pop("fixed_ips")
        if "allowed_address_pairs" in body:
            body["allowed_address_pairs"] = [
                {k: v for k, v in pair.items() if v is not None}
                for pair in body["allowed_address_pairs"] or []]
        if "security_groups" in body:
            groups = body["security_groups"]
            if groups is None:
                groups = ["default"] if for_update else None
            if groups is None:
                body.pop("security_groups")
            else:
                body["security_groups"] = secgroup_ids(self.net, self.rt.project_id, groups)
        body.pop("replacement_policy", None)
        if "qos_policy" in body:
            policy = body.pop("qos_policy")
            body["qos_policy_id"] = find_id(self.net, "policy", policy) if policy else None

    def create(self) -> None:
        self.validate_properties(self.properties)
        props = self.properties
        network = props.get("network") or props.get("network_id")
        body = self.body(props, skip=("network", "network_id", "tags"))
        body["network_id"] = find_id(self.net, "network", str(network))
        self._prepare(body)
        made = self.net.post(self.COLLECTION, {self.KEY: body})[self.KEY]
        self.physical_id = str(made["id"])
        if props.get("tags"):
            self.set_tags(props["tags"])

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        if new.get("replacement_policy") == "REPLACE_ALWAYS":
            raise UpdateReplace()
        diff = self.changes(new, changed)
        if "tags" in diff:
            self.set_tags(diff.pop("tags"))
        if "no_fixed_ips" in diff and not diff["no_fixed_ips"]:
            diff.pop("no_fixed_ips")
        self._prepare(diff, for_update=True)
        self.put(diff)
        self.properties = new

    def attribute(self, name: str) -> Any:
        if name == "subnets":
            found = self._show()
            if found is None:
                return None
            subnets = []
            for fixed in found.get("fixed_ips") or []:
                if fixed.get("subnet_id"):
                    subnet = fetch(self.net, item("/v2.0/subnets", fixed["subnet_id"]),
                                   "subnet")
                    if subnet is not None:
                        subnets.append(subnet)
            return subnets
        if name == "network":
            found = self._show()
            if found is None:
                return None
            return fetch(self.net, item("/v2.0/networks", found["network_id"]), "network")
        return super().attribute(name)


TYPES: tuple[type[Resource], ...] = (Port,)
