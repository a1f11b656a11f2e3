"""How ``OS::Nova::Server`` checks its properties and turns them into the request that boots
it: nics (with the ports Heat makes for subnets and port properties), block device mappings
and user data. The server's steps are in ``nova_server``."""

from __future__ import annotations

from typing import Any

from nimbus.orchestration.resources.glance import find_image_id
from nimbus.orchestration.resources.neutron import find_id, network_of_subnet, secgroup_ids
from nimbus.orchestration.resources.nova import NovaResource
from nimbus.orchestration.resources.service_common import conflict, failure, is_uuid, item


class ServerBuild(NovaResource):
    """The checks and request building of a server (see ``nova_server.Server``)."""

    # -- what Heat checks before anything is made ---------------------------------------------
    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        bdm = [m for m in props.get("block_device_mapping") or [] if isinstance(m, dict)]
        bdm_v2 = [m for m in props.get("block_device_mapping_v2") or [] if isinstance(m, dict)]
        if bdm and bdm_v2:
            raise conflict("block_device_mapping", "block_device_mapping_v2")
        for mapping in bdm:
            if mapping.get("volume_id") is not None and mapping.get("snapshot_id") is not None:
                raise conflict("volume_id", "snapshot_id")
            if complete and mapping.get("volume_id") is None and mapping.get("snapshot_id") is None:
                raise failure("StackValidationFailed", "Either volume_id or snapshot_id must be "
                                                       "specified for device mapping "
                                                       f"{mapping.get('device_name')}")
        for mapping in bdm_v2:
            sources = [mapping.get("volume_id"), mapping.get("snapshot_id"),
                       mapping.get("image") or mapping.get("image_id"), mapping.get("swap_size"),
                       mapping.get("ephemeral_size") or mapping.get("ephemeral_format")]
            if len([s for s in sources if s is not None]) > 1:
                raise conflict("volume_id", "snapshot_id", "image", "swap_size",
                               "ephemeral_size", "ephemeral_format")
            if complete and all(s is None for s in sources):
                raise failure("StackValidationFailed",
                              "Either volume_id, snapshot_id, image_id, swap_size, "
                              "ephemeral_size or ephemeral_format must be specified.")
        networks = [n for n in props.get("networks") or [] if isinstance(n, dict)]
        for net in networks:
            if net.get("allocate_network") and \
                    len([k for k, v in net.items() if v is not None]) != 1:
                raise failure("StackValidationFailed", 'Can not specify "allocate_network" '
                                                       "with other keys of networks at the "
                                                       "same time.")
            if net.get("fixed_ip") and net.get("port") is not None:
                raise conflict("networks/fixed_ip", "networks/port")
            if complete and net.get("floating_ip") is not None and \
                    (net.get("network") or net.get("uuid")) is not None and \
                    net.get("port") is None and net.get("subnet") is None and \
                    not net.get("port_extra_properties"):
                raise failure("StackValidationFailed",
                              'Property "floating_ip" is not supported if only "network" is '
                              "specified, because the corresponding port can not be "
                              "retrieved.")
        if any(n.get("allocate_network") for n in networks) and len(networks) != 1:
            raise failure("StackValidationFailed", 'Property "allocate_network" can not be '
                                                   "specified if multiple network interfaces "
                                                   "set for server.")
        if any(n.get("port") is not None for n in networks) and props.get("security_groups"):
            raise conflict("security_groups", "networks/port")

    def _validate_made(self) -> None:
        """The checks that name the server, run at create time."""
        props = self.properties
        self.validate_properties(props)
        name = self.rt.resource_name
        for net in props.get("networks") or []:
            if not any(net.get(k) for k in ("network", "uuid", "port", "subnet",
                                            "allocate_network")):
                raise failure("StackValidationFailed",
                              'One of the properties "network", "port", "allocate_network" or '
                              '"subnet" should be set for the specified network of server '
                              f'"{name}".')
        bootable = props.get("image") is not None or any(
            m.get("device_name") in ("vda", "/dev/vda")
            for m in props.get("block_device_mapping") or []) or any(
            (m.get("volume_id") or m.get("snapshot_id") or m.get("image") or m.get("image_id"))
            and m.get("boot_index") in (None, 0) for m in props.get("block_device_mapping_v2")
            or [])
        if not bootable:
            raise failure("StackValidationFailed",
                          f"Neither image nor bootable volume is specified for instance {name}")

    # -- create -------------------------------------------------------------------------------
    def _path(self) -> str:
        return item("/servers", str(self.physical_id))

    def _user_data(self) -> str:
        props = self.properties
        content = str(props.get("user_data") or "")
        if props.get("user_data_format") in ("RAW", "SOFTWARE_CONFIG") and is_uuid(content):
            # A software config's id stands for its content.
            found = self.rt.software().config(content)
            if found:
                content = str(found.get("config") or "")
        return content

    def _internal_port(self, net: dict[str, Any], index: int, net_id: str | None,
                       subnet_id: str | None) -> str:
        neutron = self.client("network")
        body: dict[str, Any] = {"network_id": net_id,
                                "name": f"{self.rt.resource_name}-port-{index}"}
        fixed = {k: v for k, v in (("ip_address", net.get("fixed_ip")),
                                   ("subnet_id", subnet_id)) if v}
        if fixed:
            body["fixed_ips"] = [fixed]
        groups = self.properties.get("security_groups")
        if groups:
            body["security_groups"] = secgroup_ids(neutron, self.rt.project_id, list(groups))
        extra = dict(net.get("port_extra_properties") or {})
        if extra.pop("no_fixed_ips", False):
            body["fixed_ips"] = []
        body.update(extra.pop("value_specs", None) or {})
        policy = extra.pop("qos_policy", None)
        if policy:
            body["qos_policy_id"] = find_id(neutron, "policy", policy)
        pairs = extra.pop("allowed_address_pairs", None)
        if pairs is not None:
            body["allowed_address_pairs"] = [{k: v for k, v in p.items() if v is not None}
                                             for p in pairs]
        body.update({k: v for k, v in extra.items() if v is not None})
        made = neutron.post("/v2.0/ports", {"port": body})["port"]
        self.data.setdefault("internal_ports", []).append(str(made["id"]))
        return str(made["id"])

    def _nics(self) -> list[dict[str, Any]] | str | None:
        networks = self.properties.get("networks") or []
        if not networks:
            return None
        for net in networks:
            if net.get("allocate_network"):
                return str(net["allocate_network"])
        neutron = self.client("network")
        nics = []
        for index, net in enumerate(networks):
            named = net.get("network") or net.get("uuid")
            net_id = find_id(neutron, "network", named) if named else None
            subnet_id = find_id(neutron, "subnet", net["subnet"]) if net.get("subnet") else None
            nic: dict[str, Any] = {}
            if net.get("port"):
                nic["port"] = find_id(neutron, "port", net["port"])
            else:
                if subnet_id:
                    owner = network_of_subnet(neutron, subnet_id)
                    if net_id and owner != net_id:
                        raise failure("StackValidationFailed",
                                      f"Specified subnet {subnet_id} does not belongs to "
                                      f"network {net_id}.")
                    net_id = owner
                if subnet_id or net.get("port_extra_properties"):
                    nic["port"] = self._internal_port(net, index, net_id, subnet_id)
                else:
                    nic["uuid"] = net_id
                    if net.get("fixed_ip"):
                        nic["fixed_ip"] = net["fixed_ip"]
            if net.get("floating_ip") and nic.get("port"):
                association = {"port_id": nic["port"]}
                if net.get("fixed_ip"):
                    association["fixed_ip_address"] = net["fixed_ip"]
                neutron.put(item("/v2.0/floatingips", net["floating_ip"]),
                            {"floatingip": association})
            if net.get("tag"):
                nic["tag"] = net["tag"]
            nics.append(nic)
        return nics

    def _bdm_v2(self) -> list[dict[str, Any]]:
        found = []
        for mapping in self.properties.get("block_device_mapping_v2") or []:
            image = mapping.get("image") or mapping.get("image_id")
            one: dict[str, Any] = {}
            for key, source in (("volume_id", "volume"), ("snapshot_id", "snapshot")):
                if mapping.get(key):
                    one = {"uuid": mapping[key], "source_type": source,
                           "destination_type": "volume", "boot_index": 0,
                           "delete_on_termination": False}
                    break
            else:
                if image:
                    one = {"uuid": find_image_id(self.client("image"), image),
                           "source_type": "image", "destination_type": "volume",
                           "boot_index": 0, "delete_on_termination": False}
                elif mapping.get("swap_size"):
                    one = {"source_type": "blank", "destination_type": "local",
                           "boot_index": -1, "delete_on_termination": True,
                           "guest_format": "swap", "volume_size": mapping["swap_size"]}
                elif mapping.get("ephemeral_size") or mapping.get("ephemeral_format"):
                    one = {"source_type": "blank", "destination_type": "local",
                           "boot_index": -1, "delete_on_termination": True}
                    if mapping.get("ephemeral_size"):
                        one["volume_size"] = mapping["ephemeral_size"]
                    if mapping.get("ephemeral_format"):
                        one["guest_format"] = mapping["ephemeral_format"]
            if mapping.get("device_name"):
                one["device_name"] = mapping["device_name"]
            for key in ("device_type", "disk_bus", "boot_index", "volume_size",
                        "delete_on_termination", "volume_type"):
                if mapping.get(key) is not None:
                    one[key] = mapping[key]
            if one:
                found.append(one)
        return found
