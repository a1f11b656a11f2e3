"""Routing resources: ``OS::Neutron::Router``, ``RouterInterface``, ``FloatingIP`` and
``FloatingIPAssociation``."""

from __future__ import annotations

import contextlib
import copy
import uuid
from typing import Any, ClassVar

from nimbus.core import errors
from nimbus.orchestration.resources.base import Resource, UpdateReplace
from nimbus.orchestration.resources.neutron import NeutronResource, find_id
from nimbus.orchestration.resources.schema import BOOLEAN, LIST, MAP, STRING, Attr, Prop
from nimbus.orchestration.resources.service_common import (
    conflict,
    failure,
    fetch,
    item,
    not_assigned,
    unspecified,
)


class Router(NeutronResource):
    TYPE = "OS::Neutron::Router"
    DESCRIPTION = ("A resource that implements Neutron router. A router is a physical or "
                   "virtual device that passes traffic between networks.")
    COLLECTION, KEY, BUILDS = "/v2.0/routers", "router", True
    HIDDEN = frozenset({"l3_agent_id"})
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "The name of the router.", update_allowed=True),
        "external_gateway_info": Prop(
            MAP, "The router's gateway to an external network.", update_allowed=True,
            schema={
                "network": Prop(STRING, "ID or name of the external network of the gateway.",
                                required=True, update_allowed=True),
                "enable_snat": Prop(BOOLEAN, "Enables source NAT on the gateway. Neutron's "
                                             "default policy lets only administrative users "
                                             "set it.", update_allowed=True),
                "external_fixed_ips": Prop(
                    LIST, "External fixed IP addresses of the gateway.", update_allowed=True,
                    items=Prop(MAP, schema={
                        "ip_address": Prop(STRING, "External fixed IP address.",
                                           custom="ip_addr"),
                        "subnet": Prop(STRING, "Subnet of the external fixed IP address.",
                                       custom="neutron.subnet")})),
            }),
        "value_specs": Prop(MAP, "Extra parameters to include in the creation request.",
                            default={}, update_allowed=True),
        "admin_state_up": Prop(BOOLEAN, "The administrative state of the router.", default=True,
                               update_allowed=True),
        "l3_agent_id": Prop(STRING, "ID of the L3 agent. Neutron's default policy lets only "
                                    "administrative users set it.", update_allowed=True),
        "l3_agent_ids": Prop(LIST, "IDs of the L3 agents; several agents make a highly "
                                   "available router. Neutron's default policy lets only "
                                   "administrative users set it.", update_allowed=True,
                             items=Prop(STRING)),
        "distributed": Prop(BOOLEAN, "Whether to make a distributed router. Neutron's default "
                                     "policy lets only administrative users set it; it cannot "
                                     "go with an L3 agent ID."),
        "ha": Prop(BOOLEAN, "Whether to make a highly available router. Neutron's default "
                            "policy lets only administrative users set it, and Neutron does "
                            "not take distributed and ha together."),
        "availability_zone_hints": Prop(LIST, "Availability zones the router may be placed in "
                                              "(the availability_zone extension must be "
                                              "there).", update_allowed=True),
        "tags": Prop(LIST, "The tags to be added to the router.", update_allowed=True,
                     items=Prop(STRING)),
        "tenant_id": Prop(STRING, "The ID of the tenant that will own the router. Only "
                                  "administrative users can set it; authorization policies "
                                  "cannot change that."),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "status": Attr("The status of the router.", STRING),
        "external_gateway_info": Attr("Gateway network of the router.", MAP),
        "name": Attr("Friendly name of the router.", STRING),
        "admin_state_up": Attr("Administrative state of the router.", STRING),
        "tenant_id": Attr("Tenant owning the router.", STRING),
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        distributed, ha = props.get("distributed"), props.get("ha")
        agent, agents = props.get("l3_agent_id"), props.get("l3_agent_ids")
        if agent and agents:
            raise conflict("l3_agent_id", "l3_agent_ids")
        if distributed and (agent or agents):
            raise conflict("distributed", "l3_agent_id/l3_agent_ids")
        if ha and distributed:
            raise conflict("distributed", "ha")
        if not ha and agents and len(agents) > 1:
            raise failure("StackValidationFailed", "Non HA routers can only have one L3 agent.")

    def _gateway(self, gateway: dict[str, Any] | None) -> dict[str, Any] | None:
        if not gateway:
            return gateway
        found: dict[str, Any] = {"network_id": find_id(self.net, "network",
                                                       gateway["network"])}
        if gateway.get("enable_snat") is not None:
            found["enable_snat"] = gateway["enable_snat"]
        if gateway.get("external_fixed_ips") is not None:
            ips = []
            for wanted in gateway["external_fixed_ips"]:
                one = {k: v for k, v in wanted.items() if v is not None}
                if one.get("subnet"):
                    one["subnet_id"] = find_id(self.net, "subnet", one.pop("subnet"))
                ips.append(one)
            found["external_fixed_ips"] = ips
        return found

    def _agents(self, wanted: list[str] | None) -> None:
        hosting = fetch(self.net, f"{self._path()}/l3-agents") or {}
        for agent in hosting.get("agents") or []:
            self.net.delete(f"/v2.0/agents/{agent['id']}/l3-routers/{self.physical_id}",
                            ok=(404,))
        for agent_id in wanted or []:
            self.net.post(f"/v2.0/agents/{agent_id}/l3-routers", {"router_id": self.physical_id})

    def create(self) -> None:
        self.validate_properties(self.properties)
        props = self.properties
        body = self.body(props, skip=("external_gateway_info", "l3_agent_id", "l3_agent_ids",
                                      "tags"))
        if props.get("external_gateway_info"):
            body["external_gateway_info"] = self._gateway(props["external_gateway_info"])
        made = self.net.post(self.COLLECTION, {self.KEY: body})[self.KEY]
        self.physical_id = str(made["id"])
        agents = props.get("l3_agent_ids") or (
            [props["l3_agent_id"]] if props.get("l3_agent_id") else [])
        if agents:
            self._agents(agents)
        if props.get("tags"):
            self.set_tags(props["tags"])

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        diff = self.changes(new, changed)
        if "external_gateway_info" in diff:
            diff["external_gateway_info"] = self._gateway(diff["external_gateway_info"]) or {}
        if "l3_agent_ids" in diff or "l3_agent_id" in diff:
            agents = new.get("l3_agent_ids") or (
                [new["l3_agent_id"]] if new.get("l3_agent_id") else [])
            diff.pop("l3_agent_ids", None)
            diff.pop("l3_agent_id", None)
            self._agents(agents)
        if "tags" in diff:
            self.set_tags(diff.pop("tags"))
        self.put(diff)
        self.properties = new


class RouterInterface(NeutronResource):
    TYPE = "OS::Neutron::RouterInterface"
    DESCRIPTION = ("A resource for managing Neutron router interfaces, which connect a router "
                   "to an existing subnet or port.")
    HIDDEN = frozenset({"router_id", "subnet_id", "port_id"})
    SHOWN_REQUIRED = frozenset({"router"})
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "router": Prop(STRING, "The router.", custom="neutron.router"),
        "router_id": Prop(STRING, "ID of the router.", custom="neutron.router"),
        "subnet_id": Prop(STRING, custom="neutron.subnet"),
        "subnet": Prop(STRING, "The subnet; give either subnet or port.",
                       custom="neutron.subnet"),
        "port_id": Prop(STRING, "The port id; give either subnet or port_id.",
                        custom="neutron.port"),
        "port": Prop(STRING, "The port; give either subnet or port.", custom="neutron.port"),
    }

    @staticmethod
    def _given(props: dict[str, Any], *keys: str) -> Any:
        return next((props[k] for k in keys if props.get(k) is not None), None)

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        subnet = cls._given(props, "subnet", "subnet_id")
        port = cls._given(props, "port", "port_id")
        if subnet is not None and port is not None:
            raise conflict("subnet", "port")
        if complete:
            if cls._given(props, "router", "router_id") is None:
                raise not_assigned("router")
            if subnet is None and port is None:
                raise unspecified("subnet", "port")

    def _parts(self) -> tuple[str, str, str] | None:
        if not self.physical_id:
            return None
        tokens = self.physical_id.replace("=", ":").split(":")
        if len(tokens) == 2:
            tokens.insert(1, "subnet_id")
        router, key, value = tokens[0], tokens[1], tokens[2]
        return router, key, value

    def create(self) -> None:
        self.validate_properties(self.properties)
        router = find_id(self.net, "router", str(self._given(self.properties, "router",
                                                             "router_id")))
        subnet = self._given(self.properties, "subnet", "subnet_id")
        if subnet:
            key, value = "subnet_id", find_id(self.net, "subnet", subnet)
        else:
            key = "port_id"
            value = find_id(self.net, "port", str(self._given(self.properties, "port",
                                                              "port_id")))
        self.net.put(f"{item('/v2.0/routers', router)}/add_router_interface", {key: value})
        self.physical_id = f"{router}:{key}={value}"

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        raise UpdateReplace()

    def delete(self) -> None:
        parts = self._parts()
        if parts is None:
            self.data["_deleted"] = True
            return
        router, key, value = parts

        def detach() -> None:
            self.net.put(f"{item('/v2.0/routers', router)}/remove_router_interface",
                         {key: value}, ok=(404,))

        self.data["_deleted"] = self.delete_retrying(detach)

    def show(self) -> Any:
        return None

    def attribute(self, name: str) -> Any:
        return None

    def check(self) -> None:
        parts = self._parts()
        if parts is not None:
            self.net.get(item("/v2.0/routers", parts[0]))


class FloatingIP(NeutronResource):
    TYPE = "OS::Neutron::FloatingIP"
    DESCRIPTION = ("A resource for managing Neutron floating IPs. A floating IP can move "
                   "between routers at the user's will; it gives public addresses to a private "
                   "cloud, or an address that stays while the instance behind it is replaced.")
    COLLECTION, KEY = "/v2.0/floatingips", "floatingip"
    HIDDEN = frozenset({"floating_network_id"})
    SHOWN_REQUIRED = frozenset({"floating_network"})
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "floating_network_id": Prop(STRING, custom="neutron.network"),
        "floating_network": Prop(STRING, "Network to allocate the floating IP from.",
                                 custom="neutron.network"),
        "floating_subnet": Prop(STRING, "Subnet to allocate the floating IP from.",
                                custom="neutron.subnet"),
        "value_specs": Prop(MAP, 'Extra parameters for the "floatingip" object of the creation '
                                 "request, often specific to the installed hardware or "
                                 "extensions.", default={}),
        "port_id": Prop(STRING, "ID of an existing port, with at least one IP address, to "
                                "associate with this floating IP.", update_allowed=True,
                        custom="neutron.port"),
        "fixed_ip_address": Prop(STRING, "IP address to use when the port has several.",
                                 update_allowed=True, custom="ip_addr"),
        "floating_ip_address": Prop(STRING, "IP address of the floating IP. Neutron's default "
                                            "policy lets only administrative users set it.",
                                    custom="ip_addr"),
        "dns_name": Prop(STRING, "DNS name of the floating IP.", update_allowed=True,
                         custom="rel_dns_name"),
        "dns_domain": Prop(STRING, "DNS domain of the floating IP.", update_allowed=True,
                           custom="dns_domain"),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "router_id": Attr("ID of the router used as gateway, set once associated with a port.",
                          STRING),
        "tenant_id": Attr("The tenant owning this floating IP.", STRING),
        "floating_network_id": Attr("ID of the network the IP is allocated in.", STRING),
        "fixed_ip_address": Attr("IP address of the associated port, if any.", STRING),
        "floating_ip_address": Attr("The allocated address of this IP.", STRING),
        "port_id": Attr("ID of the port associated with this IP.", STRING),
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        if complete and props.get("floating_network") is None and \
                props.get("floating_network_id") is None:
            raise not_assigned("floating_network")
        if complete and props.get("port_id") is None and \
                props.get("fixed_ip_address") is not None:
            raise failure("ResourcePropertyDependency",
                          "fixed_ip_address cannot be specified without port_id.")

    def create(self) -> None:
        self.validate_properties(self.properties)
        props = self.properties
        network = props.get("floating_network") or props.get("floating_network_id")
        body = self.body(props, skip=("floating_network", "floating_network_id",
                                      "floating_subnet"))
        body["floating_network_id"] = find_id(self.net, "network", str(network))
        if props.get("floating_subnet"):
            body["subnet_id"] = find_id(self.net, "subnet", props["floating_subnet"])
        made = self.net.post(self.COLLECTION, {self.KEY: body})[self.KEY]
        self.physical_id = str(made["id"])

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.changes(new, changed)
        self.put({"port_id": new.get("port_id"), "fixed_ip_address": new.get("fixed_ip_address")})
        self.properties = new


class FloatingIPAssociation(NeutronResource):
    TYPE = "OS::Neutron::FloatingIPAssociation"
    DESCRIPTION = ("A resource for associating floating IPs and ports: it gives the floating "
                   "IP to a port that has at least one IP address.")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "floatingip_id": Prop(STRING, "ID of the floating IP to associate.", required=True,
                              update_allowed=True),
        "port_id": Prop(STRING, "ID of an existing port, with at least one IP address, to "
                                "associate with this floating IP.", required=True,
                        update_allowed=True, custom="neutron.port"),
        "fixed_ip_address": Prop(STRING, "IP address to use when the port has several.",
                                 update_allowed=True, custom="ip_addr"),
    }

    def _associate(self, fip: str, body: dict[str, Any]) -> None:
        self.net.put(item("/v2.0/floatingips", fip), {"floatingip": body})

    def create(self) -> None:
        body = {"port_id": self.properties["port_id"]}
        if self.properties.get("fixed_ip_address") is not None:
            body["fixed_ip_address"] = self.properties["fixed_ip_address"]
        self._associate(str(self.properties["floatingip_id"]), body)
        self.physical_id = str(uuid.uuid4())

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        old_fip = str(self.properties["floatingip_id"])
        if "floatingip_id" in changed:
            with contextlib.suppress(errors.NotFound):
                self._associate(old_fip, {"port_id": None})
        fip = new.get("floatingip_id") or old_fip
        self._associate(str(fip), {
            "port_id": new.get("port_id") or self.properties.get("port_id"),
            "fixed_ip_address": new.get("fixed_ip_address")
            or self.properties.get("fixed_ip_address")})
        self.properties = copy.deepcopy(new)

    def delete(self) -> None:
        if self.physical_id and self.properties.get("floatingip_id"):
            with contextlib.suppress(errors.NotFound):
                self._associate(str(self.properties["floatingip_id"]), {"port_id": None})
        self.data["_deleted"] = True

    def show(self) -> Any:
        return None

    def attribute(self, name: str) -> Any:
        return None

    def check(self) -> None:
        if self.physical_id:
            self.net.get(item("/v2.0/floatingips", str(self.properties["floatingip_id"])))


TYPES: tuple[type[Resource], ...] = (Router, RouterInterface, FloatingIP, FloatingIPAssociation)
