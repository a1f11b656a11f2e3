"""Networking resources: ``OS::Neutron::Net`` and ``Subnet``, and what every Neutron
plugin shares (finding a network, subnet... by name or id, the status a resource is built in,
the request body Heat forms from properties and ``value_specs``).

Ports are in ``neutron_port``, routers and floating IPs in ``neutron_routers``, security groups
in ``neutron_secgroups``.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from nimbus.orchestration.resources.base import Resource, UpdateReplace
from nimbus.orchestration.resources.schema import BOOLEAN, INTEGER, LIST, MAP, STRING, Attr, Prop
from nimbus.orchestration.resources.service_common import (
    ItemResource,
    conflict,
    failure,
    fetch,
    in_error,
    is_uuid,
    item,
    not_assigned,
    query,
    remove,
    unknown_status,
    unspecified,
)

# The collection and body key of each kind of Neutron resource a template may name.
_KINDS = {
    "network": ("/v2.0/networks", "network", "networks"),
    "subnet": ("/v2.0/subnets", "subnet", "subnets"),
    "port": ("/v2.0/ports", "port", "ports"),
    "router": ("/v2.0/routers", "router", "routers"),
    "security_group": ("/v2.0/security-groups", "security_group", "security_groups"),
    "subnetpool": ("/v2.0/subnetpools", "subnetpool", "subnetpools"),
    "policy": ("/v2.0/qos/policies", "policy", "policies"),
    "segment": ("/v2.0/segments", "segment", "segments"),
    "floatingip": ("/v2.0/floatingips", "floatingip", "floatingips"),
}


def find_id(client: Any, kind: str, name_or_id: str) -> str:
    """The id of the ``kind`` (network, subnet...) named or identified by ``name_or_id``,
    refused in the words of Heat's Neutron client when none or several match."""
    path, key, plural = _KINDS[kind]
    found = fetch(client, item(path, name_or_id), key)
    if found is not None:
        return str(found["id"])
    listed = (client.get(query(path, name=name_or_id)) or {}).get(plural) or []
    matches = [x for x in listed if x.get("name") == name_or_id]
    if not matches:
        raise failure("NotFound", f"Unable to find {kind} with name or id '{name_or_id}'")
    if len(matches) > 1:
        raise failure("NeutronClientNoUniqueMatch",
                      f"Multiple {kind} matches found for name '{name_or_id}', use an ID to "
                      "be more specific.")
    return str(matches[0]["id"])


def find_optional(client: Any, kind: str, name_or_id: str | None) -> str | None:
    return find_id(client, kind, name_or_id) if name_or_id else None


def secgroup_ids(client: Any, project_id: str, groups: list[str]) -> list[str]:
    """Security group ids for names or ids, as Heat resolves them for ports: an id is taken as
    it is, a name is looked for among the project's groups."""
    found: list[str] = []
    mine: list[dict[str, Any]] | None = None
    for group in groups:
        if is_uuid(group):
            found.append(group)
            continue
        if mine is None:
            mine = (client.get(query("/v2.0/security-groups", project_id=project_id)) or {}).get(
                "security_groups") or []
        ids = [g["id"] for g in mine if g.get("name") == group]
        if not ids:
            raise failure("EntityNotFound", f"The Resource ({group}) could not be found.")
        if len(ids) > 1:
            raise failure("PhysicalResourceNameAmbiguity",
                          f"Multiple physical resources were found with name ({group}).")
        found.append(str(ids[0]))
    return found


def network_of_subnet(client: Any, subnet_id: str) -> str:
    return str(client.get(item("/v2.0/subnets", subnet_id))["subnet"]["network_id"])


def is_built(attrs: dict[str, Any]) -> bool:
    """Whether a network, port or router is ready, as Heat judges its status."""
    status = str(attrs.get("status"))
    if status == "BUILD":
        return False
    if status in ("ACTIVE", "DOWN"):
        return True
    if status in ("ERROR", "DEGRADED"):
        raise in_error(status)
    raise unknown_status("Resource is not built", status)


def merge_value_specs(body: dict[str, Any], specs: dict[str, Any] | None,
                      before: dict[str, Any] | None = None) -> None:
    """Fold ``value_specs`` into a request body; on update, keys whose value did not change
    are left out."""
    for key, value in (specs or {}).items():
        if before is not None and before.get(key) == value:
            continue
        body[key] = value


class NeutronResource(ItemResource):
    """A resource of the Networking API, one item of ``COLLECTION`` under ``KEY``."""

    SERVICE = "network"
    # Statuses tell when the item is built (networks, ports, routers).
    BUILDS: ClassVar[bool] = False

    @property
    def net(self) -> Any:
        return self.api

    def body(self, props: dict[str, Any], skip: tuple[str, ...] = ()) -> dict[str, Any]:
        """Properties as Heat sends them: no None values, ``name`` defaulted to the physical
        name, ``value_specs`` merged in."""
        found = {k: copy.deepcopy(v) for k, v in props.items()
                 if v is not None and k not in skip and k != "value_specs"}
        if "name" in self.PROPERTIES and not found.get("name"):
            found["name"] = self.default_name()
        merge_value_specs(found, props.get("value_specs"))
        return found

    def changes(self, new: dict[str, Any], changed: set[str]) -> dict[str, Any]:
        """The update body of ``changed`` properties; replaced when one cannot change."""
        if any(not self.PROPERTIES[k].update_allowed for k in changed if k in self.PROPERTIES):
            raise UpdateReplace()
        diff = {k: copy.deepcopy(new.get(k)) for k in changed if k != "value_specs"}
        if "name" in diff and diff["name"] is None:
            diff["name"] = self.default_name()
        if "value_specs" in changed:
            merge_value_specs(diff, new.get("value_specs"), self.properties.get("value_specs"))
        return diff

    def set_tags(self, tags: list[str] | None) -> None:
        plural = self.COLLECTION.rsplit("/", 1)[-1]
        self.net.put(f"/v2.0/{plural}/{self.physical_id}/tags", {"tags": list(tags or [])})

    def put(self, body: dict[str, Any]) -> None:
        if body:
            self.net.put(self._path(), {self.KEY: body})

    def check_create_complete(self) -> bool:
        if not self.BUILDS:
            return True
        return is_built(self.net.get(self._path())[self.KEY])

    def check_update_complete(self) -> bool:
        return self.check_create_complete()

    def delete(self) -> None:
        self.data["_deleted"] = not self.physical_id or self.delete_retrying(
            lambda: remove(self.net, self._path()))

    def check_delete_complete(self) -> bool:
        if self.data.get("_deleted"):
            return True
        self.delete()
        return bool(self.data.get("_deleted"))

    def check(self) -> None:
        if self.physical_id:
            found = self.net.get(self._path())[self.KEY]
            if self.BUILDS:
                is_built(found)


_VALUE_SPECS = "Extra parameters to include in the request. Parameters are often specific to " \
               "installed hardware or extensions."
_TAGS_DOC = "The tags to be added to the {}."


def tags_prop(what: str) -> Prop:
    return Prop(LIST, _TAGS_DOC.format(what), update_allowed=True, items=Prop(STRING))


class Net(NeutronResource):
    TYPE = "OS::Neutron::Net"
    DESCRIPTION = ("A resource for managing Neutron net. A network is a virtual, isolated "
                   "layer-2 broadcast domain, usually reserved to the project that made it "
                   "unless it is explicitly shared.")
    COLLECTION, KEY, BUILDS = "/v2.0/networks", "network", True
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "A symbolic name for the network, which does not have to be "
                             "unique.", update_allowed=True),
        "value_specs": Prop(MAP, _VALUE_SPECS, default={}, update_allowed=True),
        "admin_state_up": Prop(BOOLEAN, "The administrative status of the network.",
                               default=True, update_allowed=True),
        "tenant_id": Prop(STRING, "The ID of the tenant that will own the network. Only "
                                  "administrative users can set it; authorization policies "
                                  "cannot change that."),
        "shared": Prop(BOOLEAN, "Whether the network is shared by all tenants. The default "
                                "policy lets only administrative users set it.",
                       default=False, update_allowed=True),
        "dhcp_agent_ids": Prop(LIST, "The IDs of the DHCP agents to schedule the network on. "
                                     "Neutron's default policy lets only administrative users "
                                     "set it.", update_allowed=True),
        "port_security_enabled": Prop(BOOLEAN, "Enable or disable port security on the "
                                               "network; ports made on it take this as their "
                                               "default.", update_allowed=True),
        "qos_policy": Prop(STRING, "The name or ID of the QoS policy attached to the network.",
                           update_allowed=True, custom="neutron.qos_policy"),
        "dns_domain": Prop(STRING, "The DNS domain of the network.", update_allowed=True,
                           custom="dns_domain"),
        "availability_zone_hints": Prop(LIST, "Availability zones the network may be placed "
                                              "in (the availability_zone extension must be "
                                              "there)."),
        "tags": tags_prop("network"),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "status": Attr("The status of the network.", STRING),
        "name": Attr("The name of the network.", STRING),
        "subnets": Attr("Subnets of this network.", LIST),
        "admin_state_up": Attr("The administrative status of the network.", STRING),
        "tenant_id": Attr("The tenant owning this network.", STRING),
        "port_security_enabled": Attr("Port security enabled of the network.", BOOLEAN),
        "mtu": Attr("The maximum transmission unit size (in bytes) of the network.", INTEGER),
        "qos_policy_id": Attr("The ID of the QoS policy attached to the network.", STRING),
        "l2_adjacency": Attr("Whether L2 connectivity can be expected across the whole "
                             "network (a boolean).", BOOLEAN),
        "segments": Attr("The segments of this network.", LIST),
    }

    def create(self) -> None:
        body = self.body(self.properties, skip=("dhcp_agent_ids", "qos_policy", "tags"))
        if self.properties.get("qos_policy"):
            body["qos_policy_id"] = find_id(self.net, "policy", self.properties["qos_policy"])
        made = self.net.post(self.COLLECTION, {self.KEY: body})[self.KEY]
        self.physical_id = str(made["id"])
        if self.properties.get("dhcp_agent_ids"):
            self._dhcp_agents(self.properties["dhcp_agent_ids"])
        if self.properties.get("tags"):
            self.set_tags(self.properties["tags"])

    def _dhcp_agents(self, wanted: list[str]) -> None:
        hosting = fetch(self.net, f"{self._path()}/dhcp-agents") or {}
        old = {a["id"] for a in hosting.get("agents") or []}
        for agent in set(wanted) - old:
            self.net.post(f"/v2.0/agents/{agent}/dhcp-networks",
                          {"network_id": self.physical_id}, ok=(409,))
        for agent in old - set(wanted):
            self.net.delete(f"/v2.0/agents/{agent}/dhcp-networks/{self.physical_id}",
                            ok=(404, 409))

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        diff = self.changes(new, changed)
        if "dhcp_agent_ids" in diff:
            self._dhcp_agents(diff.pop("dhcp_agent_ids") or [])
        if "qos_policy" in diff:
            policy = diff.pop("qos_policy")
            diff["qos_policy_id"] = find_id(self.net, "policy", policy) if policy else None
        if "tags" in diff:
            self.set_tags(diff.pop("tags"))
        self.put(diff)
        self.properties = new

    def attribute(self, name: str) -> Any:
        if name == "segments":
            if not self.physical_id:
                return None
            found = fetch(self.net, query("/v2.0/segments", network_id=self.physical_id)) or {}
            segments = list(found.get("segments") or [])
            # Segments without a name first, as Heat lists them.
            return sorted(segments, key=lambda s: s.get("name") is not None)
        return super().attribute(name)


class Subnet(NeutronResource):
    TYPE = "OS::Neutron::Subnet"
    DESCRIPTION = ("A resource for managing Neutron subnets. A subnet is a block of IP "
                   "addresses given to instances; it belongs to one network and has a CIDR, "
                   "and addresses come from the whole CIDR or from allocation pools.")
    COLLECTION, KEY = "/v2.0/subnets", "subnet"
    HIDDEN = frozenset({"network_id"})
    SHOWN_REQUIRED = frozenset({"network"})
    _MODES = ("dhcpv6-stateful", "dhcpv6-stateless", "slaac")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "network_id": Prop(STRING, custom="neutron.network"),
        "network": Prop(STRING, "The ID of the attached network.", custom="neutron.network"),
        "subnetpool": Prop(STRING, "The name or ID of the subnet pool.",
                           custom="neutron.subnetpool"),
        "prefixlen": Prop(INTEGER, "Prefix length of a subnet allocated from a subnet pool.",
                          range=(0, None)),
        "cidr": Prop(STRING, "The CIDR.", custom="net_cidr"),
        "value_specs": Prop(MAP, "Extra parameters to include in the request.", default={},
                            update_allowed=True),
        "name": Prop(STRING, "The name of the subnet.", update_allowed=True),
        "ip_version": Prop(INTEGER, "The IP version: 4 or 6.", default=4, allowed=(4, 6)),
        "dns_nameservers": Prop(LIST, "The DNS name servers to use.", default=[],
                                update_allowed=True),
        "gateway_ip": Prop(STRING, "The IP address of the gateway. An empty string makes a "
                                   "subnet without gateway; when left out at creation, Neutron "
                                   "takes the first free address of the subnet; removing it "
                                   "from the template on update detaches the old gateway.",
                           update_allowed=True),
        "enable_dhcp": Prop(BOOLEAN, "True if DHCP is enabled, false if not.", default=True,
                            update_allowed=True),
        "allocation_pools": Prop(
            LIST, "Start and end addresses of the allocation pools.", update_allowed=True,
            items=Prop(MAP, schema={
                "start": Prop(STRING, "First address of the allocation pool.", required=True,
                              custom="ip_addr"),
                "end": Prop(STRING, "Last address of the allocation pool.", required=True,
                            custom="ip_addr")})),
        "tenant_id": Prop(STRING, "The ID of the tenant owning the network. Only "
                                  "administrative users may give one other than their own."),
        "host_routes": Prop(
            LIST, "Host routes of the subnet, as dictionaries.", update_allowed=True,
            items=Prop(MAP, schema={
                "destination": Prop(STRING, "The destination of the static route.",
                                    required=True, custom="net_cidr"),
                "nexthop": Prop(STRING, "The next hop towards the destination.",
                                required=True, custom="ip_addr")})),
        "ipv6_ra_mode": Prop(STRING, "IPv6 router advertisement mode.", allowed=_MODES),
        "ipv6_address_mode": Prop(STRING, "IPv6 address mode.", allowed=_MODES),
        "segment": Prop(STRING, "The name or ID of the segment to associate.",
                        update_allowed=True, custom="neutron.segment"),
        "tags": tags_prop("subnet"),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "name": Attr("Friendly name of the subnet.", STRING),
        "network_id": Attr("Parent network of the subnet.", STRING),
        "tenant_id": Attr("Tenant owning the subnet.", STRING),
        "allocation_pools": Attr("IP allocation pools and their ranges.", LIST),
        "gateway_ip": Attr("IP address of the subnet's gateway.", STRING),
        "host_routes": Attr("Additional routes of this subnet.", LIST),
        "ip_version": Attr("IP version of the subnet.", STRING),
        "cidr": Attr("CIDR block notation of this subnet.", STRING),
        "dns_nameservers": Attr("List of DNS name servers.", LIST),
        "enable_dhcp": Attr("'true' if DHCP is enabled on this subnet, 'false' if not.", STRING),
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        if complete and props.get("network") is None and props.get("network_id") is None:
            raise not_assigned("network")
        pool, prefixlen, cidr = props.get("subnetpool"), props.get("prefixlen"), props.get("cidr")
        if pool is not None and cidr:
            raise conflict("subnetpool", "cidr")
        if complete and pool is None and not cidr:
            raise unspecified("subnetpool", "cidr")
        if prefixlen and cidr:
            raise conflict("prefixlen", "cidr")
        ra, addr = props.get("ipv6_ra_mode"), props.get("ipv6_address_mode")
        if props.get("ip_version") == 4 and (ra or addr):
            raise failure("StackValidationFailed", "ipv6_ra_mode and ipv6_address_mode are not "
                                                   "supported for ipv4.")
        if ra and addr and ra != addr:
            raise failure("StackValidationFailed", "When both ipv6_ra_mode and "
                                                   "ipv6_address_mode are set, they must be "
                                                   "equal.")

    @staticmethod
    def _gateway(body: dict[str, Any]) -> None:
        # An empty gateway asks for none (null in the API); "auto" lets Neutron choose.
        if "gateway_ip" not in body:
            return
        if body["gateway_ip"] == "":
            body["gateway_ip"] = None
        elif body["gateway_ip"] == "auto":
            body.pop("gateway_ip")

    def create(self) -> None:
        self.validate_properties(self.properties)
        props = dict(self.properties)
        network = props.get("network") or props.get("network_id")
        body = self.body(props, skip=("network", "network_id", "subnetpool", "segment", "tags"))
        body["network_id"] = find_id(self.net, "network", str(network))
        if props.get("subnetpool"):
            body["subnetpool_id"] = find_id(self.net, "subnetpool", props["subnetpool"])
        if props.get("segment"):
            body["segment_id"] = find_id(self.net, "segment", props["segment"])
        self._gateway(body)
        made = self.net.post(self.COLLECTION, {self.KEY: body})[self.KEY]
        self.physical_id = str(made["id"])
        if props.get("tags"):
            self.set_tags(props["tags"])

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        diff = self.changes(new, changed)
        if "allocation_pools" in diff and diff["allocation_pools"] is None:
            diff["allocation_pools"] = []
        if diff.get("segment"):
            if self.properties.get("segment") is not None:
                raise failure("ResourceActionNotSupported",
                              "Updating the subnet segment assciation only allowed when the "
                              "current segment_id is None. The subnet is currently associated "
                              "with segment. In this state update is not supported for "
                              "resource.")
            diff["segment_id"] = find_id(self.net, "segment", diff.pop("segment"))
        elif "segment" in diff:
            diff.pop("segment")
        if diff.get("gateway_ip") == "auto":
            raise failure("ResourceActionNotSupported",
                          'The value "auto" for gateway_ip cannot be used to update an '
                          "existing subnet. It is only supported during subnet creation. is "
                          "not supported for resource.")
        self._gateway(diff)
        if "tags" in diff:
            self.set_tags(diff.pop("tags"))
        self.put(diff)
        self.properties = new


TYPES: tuple[type[Resource], ...] = (Net, Subnet)
