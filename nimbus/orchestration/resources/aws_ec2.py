"""``AWS::EC2::Instance``: a server described in CloudFormation's words, as Heat maps it.

The instance is an ``OS::Nova::Server`` underneath: its properties are translated to the
native ones (ImageId to image, InstanceType to flavor, Tags to the server's metadata, SubnetId
to a port made on that subnet, NetworkInterfaces to existing ports) and the native plugin,
held inside, does the booting, waiting, resizing, suspending and deleting. What is the
instance's own is attaching its ``Volumes`` once it is active, swapping its interfaces when
``NetworkInterfaces`` or ``SubnetId`` change, and the attributes CloudFormation names.

The schema pieces both this type and ``AWS::AutoScaling::LaunchConfiguration`` take (block
device mappings, scheduler hints, the "not implemented" properties) are shared from here.
"""

from __future__ import annotations

from typing import Any, ClassVar

from nimbus.orchestration.resources.base import Resource, Runtime, UpdateReplace
from nimbus.orchestration.resources.cinder import CinderVolumeAttachment
from nimbus.orchestration.resources.nova import NovaResource
from nimbus.orchestration.resources.nova_server import Server
from nimbus.orchestration.resources.schema import (
    BOOLEAN,
    LIST,
    MAP,
    NUMBER,
    STRING,
    Attr,
    Prop,
    Support,
    check,
)
from nimbus.orchestration.resources.service_common import (
    conflict,
    failure,
    fetch,
    item,
    remove,
    run_steps,
)

_NOT_IMPLEMENTED = "Not implemented: a value given is refused."
# Properties Heat declares but does not implement: a template may not set them.
UNUSED = ("DisableApiTermination", "KernelId", "Monitoring", "PlacementGroupName",
          "PrivateIpAddress", "RamDiskId", "SourceDestCheck", "Tenancy")
_UNUSED_MAPPING = ("NoDevice", "VirtualName")
_UNUSED_EBS = ("Iops", "VolumeType")
# How they are hidden from ``GET /resource_types`` (dotted, list items transparent).
HIDDEN_UNUSED = frozenset({*UNUSED, *(f"BlockDeviceMappings.{k}" for k in _UNUSED_MAPPING),
                           *(f"BlockDeviceMappings.Ebs.{k}" for k in _UNUSED_EBS)})

KEY_VALUE: dict[str, Prop] = {"Key": Prop(STRING, "The key.", required=True),
                              "Value": Prop(STRING, "The value.", required=True)}

BLOCK_DEVICE_MAPPINGS = Prop(LIST, "Volumes made from snapshots and attached at boot.",
                             items=Prop(MAP, schema={
    "DeviceName": Prop(STRING, "Where the volume shows on the instance: /dev/<DeviceName> "
                               "(vdb, for example).", required=True),
    "Ebs": Prop(MAP, "The volume: which snapshot it is made from, and how big.", schema={
        "DeleteOnTermination": Prop(BOOLEAN, "Whether the volume goes when the instance does.",
                                    default=True),
        "Iops": Prop(NUMBER, _NOT_IMPLEMENTED),
        "SnapshotId": Prop(STRING, "The snapshot the volume is made from.",
                           custom="cinder.snapshot"),
        "VolumeSize": Prop(STRING, "Size of the volume in GB, at least the snapshot's; left "
                                   "out, the compute service works it out."),
        "VolumeType": Prop(STRING, _NOT_IMPLEMENTED),
    }),
    "NoDevice": Prop(MAP, _NOT_IMPLEMENTED),
    "VirtualName": Prop(STRING, _NOT_IMPLEMENTED),
}))

SCHEDULER_HINTS = Prop(LIST, "Hints given to the compute scheduler, as Key/Value pairs (a "
                             "Heat extension); a key given twice passes a list.",
                       items=Prop(MAP, schema=KEY_VALUE))

PROPERTIES: dict[str, Prop] = {
    "ImageId": Prop(STRING, "The image to boot, by name or ID.", required=True,
                    custom="glance.image"),
    # CloudFormation lets it out; the compute API cannot do without a flavor.
    "InstanceType": Prop(STRING, "The flavor of the instance, by name or ID.", required=True,
                         update_allowed=True, custom="nova.flavor"),
    "KeyName": Prop(STRING, "The key pair put on the instance.", custom="nova.keypair"),
    "AvailabilityZone": Prop(STRING, "The availability zone the instance is placed in."),
    "DisableApiTermination": Prop(STRING, _NOT_IMPLEMENTED),
    "KernelId": Prop(STRING, _NOT_IMPLEMENTED),
    "Monitoring": Prop(BOOLEAN, _NOT_IMPLEMENTED),
    "PlacementGroupName": Prop(STRING, _NOT_IMPLEMENTED),
    "PrivateIpAddress": Prop(STRING, _NOT_IMPLEMENTED),
    "RamDiskId": Prop(STRING, _NOT_IMPLEMENTED),
    "SecurityGroups": Prop(LIST, "Security groups of the instance, by name."),
    "SecurityGroupIds": Prop(LIST, "Security groups of the instance, by ID."),
    "NetworkInterfaces": Prop(LIST, "Existing ports the instance is plugged into: port IDs, or "
                                    "maps of NetworkInterfaceId and DeviceIndex (the order).",
                              update_allowed=True),
    "SourceDestCheck": Prop(BOOLEAN, _NOT_IMPLEMENTED),
    "SubnetId": Prop(STRING, "The subnet a port is made on for the instance (when no "
                             "NetworkInterfaces are given).", update_allowed=True),
    "Tags": Prop(LIST, "Key/Value pairs kept as the server's metadata.", update_allowed=True,
                 items=Prop(MAP, schema=KEY_VALUE)),
    "NovaSchedulerHints": SCHEDULER_HINTS,
    "Tenancy": Prop(STRING, _NOT_IMPLEMENTED, allowed=("dedicated", "default")),
    "UserData": Prop(STRING, "The user data given to the instance (as written: Fn::Base64 "
                             "encodes nothing here)."),
    "Volumes": Prop(LIST, "Existing volumes attached once the instance is active.", default=[],
                    items=Prop(MAP, schema={
        "Device": Prop(STRING, "Where the volume is asked to show; it may not be honoured, "
                               "/dev/disk/by-id/virtio-<VolumeId> is the path to rely on.",
                       required=True),
        "VolumeId": Prop(STRING, "The volume to attach.", required=True,
                         custom="cinder.volume")})),
    "BlockDeviceMappings": BLOCK_DEVICE_MAPPINGS,
}

# Every attribute but the zone is the instance's first address, as Heat gives them all.
ADDRESS_ATTRIBUTES = ("PrivateDnsName", "PublicDnsName", "PrivateIp", "PublicIp")
ATTRIBUTES: dict[str, Attr] = {
    "AvailabilityZone": Attr("The availability zone the instance runs in.", STRING),
    "PrivateDnsName": Attr("The instance's private DNS name (its first address).", STRING),
    "PublicDnsName": Attr("The instance's public DNS name (its first address).", STRING),
    "PrivateIp": Attr("The instance's private IP address (its first address).", STRING),
    "PublicIp": Attr("The instance's public IP address (its first address).", STRING),
}


# -- checks and translations shared with the launch configuration -------------------------------
def refuse_unused(props: dict[str, Any], names: tuple[str, ...] = UNUSED) -> None:
    """Heat refuses a value for a property it declares but does not implement."""
    given = [k for k in names if props.get(k) is not None]
    for mapping in props.get("BlockDeviceMappings") or []:
        if isinstance(mapping, dict):
            given += [k for k in _UNUSED_MAPPING if mapping.get(k) is not None]
            ebs = mapping.get("Ebs")
            if isinstance(ebs, dict):
                given += [k for k in _UNUSED_EBS if ebs.get(k) is not None]
    if given:
        raise failure("StackValidationFailed", f"Property {given[0]} not implemented yet")


def check_mappings(mappings: Any, complete: bool = True) -> None:
    """Only volumes made from snapshots are taken in block device mappings."""
    for mapping in mappings or []:
        if not isinstance(mapping, dict):
            continue
        ebs = mapping.get("Ebs")
        if not ebs:
            raise failure("StackValidationFailed", "Ebs is missing, this is required when "
                                                   "specifying BlockDeviceMappings.")
        if complete and not ebs.get("SnapshotId"):
            raise failure("StackValidationFailed", "SnapshotId is missing, this is required "
                                                   "when specifying BlockDeviceMappings.")


def scheduler_hints(pairs: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """Key/Value pairs as the compute API's hints; a key given again gathers a list."""
    if not pairs:
        return None
    hints: dict[str, Any] = {}
    for pair in pairs:
        key, value = pair["Key"], pair["Value"]
        if key not in hints:
            hints[key] = value
        elif isinstance(hints[key], list):
            hints[key].append(value)
        else:
            hints[key] = [hints[key], value]
    return hints


def _size(value: Any) -> Any:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def device_mappings(mappings: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Block device mappings as the native server takes them (the legacy form)."""
    found = []
    for mapping in mappings or []:
        ebs = mapping.get("Ebs") or {}
        found.append({"device_name": mapping["DeviceName"], "snapshot_id": ebs.get("SnapshotId"),
                      "volume_size": _size(ebs.get("VolumeSize")),
                      "delete_on_termination": ebs.get("DeleteOnTermination")})
    return found or None


def interface_ports(interfaces: list[Any] | None) -> list[str]:
    """The ports of NetworkInterfaces, in DeviceIndex order (a bare ID takes its place)."""
    entries = []
    for entry in interfaces or []:
        if isinstance(entry, dict):
            entries.append((int(entry.get("DeviceIndex") or 0),
                            str(entry.get("NetworkInterfaceId"))))
        else:
            entries.append((len(entries), str(entry)))
    return [port for _, port in sorted(entries, key=lambda e: e[0])]


def native(props: dict[str, Any]) -> dict[str, Any]:
    """The ``OS::Nova::Server`` properties an instance's properties stand for."""
    ports = interface_ports(props.get("NetworkInterfaces"))
    networks: list[dict[str, Any]] | None = None
    if ports:
        networks = [{"port": p} for p in ports]
    elif props.get("SubnetId"):
        networks = [{"subnet": props["SubnetId"]}]
    tags = {t["Key"]: t["Value"] for t in props.get("Tags") or []}
    given = {
        "image": props.get("ImageId"), "flavor": props.get("InstanceType"),
        "key_name": props.get("KeyName"), "availability_zone": props.get("AvailabilityZone"),
        "security_groups": [*(props.get("SecurityGroups") or []),
                            *(props.get("SecurityGroupIds") or [])],
        "networks": networks, "metadata": tags,
        "scheduler_hints": scheduler_hints(props.get("NovaSchedulerHints")),
        "block_device_mapping": device_mappings(props.get("BlockDeviceMappings")),
        # The text is handed to the compute API as it is (base64 of it), as Heat passes it.
        "user_data": props.get("UserData") or "", "user_data_format": "RAW",
    }
    # Not required: a resource whose create failed is deleted with the properties it has.
    return check(Server.PROPERTIES, {k: v for k, v in given.items() if v is not None},
                 require=False)


class Instance(NovaResource):
    TYPE = "AWS::EC2::Instance"
    DESCRIPTION = ("A CloudFormation instance: a compute server booted from ImageId on the "
                   "flavor InstanceType, on a port of SubnetId or on the given "
                   "NetworkInterfaces, with Volumes attached once it is active.")
    SUPPORT = Support(version="2014.1")
    HIDDEN = HIDDEN_UNUSED
    PROPERTIES: ClassVar[dict[str, Prop]] = PROPERTIES
    ATTRIBUTES: ClassVar[dict[str, Attr]] = ATTRIBUTES

    def __init__(self, rt: Runtime, properties: dict[str, Any], data: dict[str, Any],
                 physical_id: str | None = None) -> None:
        super().__init__(rt, properties, data, physical_id)
        self._inner: Server | None = None

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        refuse_unused(props)
        if (props.get("SecurityGroups") or props.get("SecurityGroupIds")) and \
                props.get("NetworkInterfaces"):
            raise conflict("SecurityGroups/SecurityGroupIds", "NetworkInterfaces")
        check_mappings(props.get("BlockDeviceMappings"), complete)

    def _server(self, props: dict[str, Any] | None = None) -> Server:
        """The native server this instance is, with ``props`` (by default its own) translated.
        It shares the instance's data, so what it remembers (its ports, its update steps) is
        saved with the instance; it is kept so that its clients are made once."""
        translated = native(props if props is not None else self.properties)
        if self._inner is None:
            self._inner = Server(self.rt, translated, self.data, self.physical_id)
        self._inner.rt, self._inner.properties = self.rt, translated
        self._inner.physical_id = self.physical_id
        return self._inner

    # -- create -------------------------------------------------------------------------------
    def create(self) -> None:
        self.validate_properties(self.properties)
        server = self._server()
        try:
            server.create()
        finally:
            self.physical_id = server.physical_id
        self.data["volumes"] = [{"volume": v["VolumeId"], "device": v["Device"]}
                                for v in self.properties.get("Volumes") or []]

    def check_create_complete(self) -> bool:
        if not self.data.get("active"):
            # The native server's judgement of its status, in an instance's words.
            if not self._server()._active("Instance"):
                return False
            self.data["active"] = True
        return self._attach_volumes()

    def _attach_volumes(self) -> bool:
        """One volume at a time, each attached (asked again while compute is busy) and waited
        for until the volume is in use, as the native attachment does it."""
        for entry in self.data.get("volumes") or []:
            if entry.get("done"):
                continue
            attachment = CinderVolumeAttachment(
                self.rt, {"instance_uuid": self.physical_id, "volume_id": entry["volume"],
                          "mountpoint": entry["device"]}, entry.setdefault("state", {}))
            if not entry.get("asked"):
                attachment.create()
                entry["asked"] = True
                return False
            if not attachment.check_create_complete():
                return False
            entry["done"] = True
        return True

    # -- update -------------------------------------------------------------------------------
    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        if any(not self.PROPERTIES[k].update_allowed for k in changed if k in self.PROPERTIES):
            raise UpdateReplace()
        self.validate_properties(new)
        # The flavor (a resize, confirmed) and the tags (the server's metadata) change in the
        # native server's way; interfaces are this type's own.
        wanted = {n for k, n in (("InstanceType", "flavor"), ("Tags", "metadata"))
                  if k in changed}
        if wanted:
            self._server().update(native(new), wanted)
        if {"NetworkInterfaces", "SubnetId"} & changed:
            self.data["nics"] = self._nic_steps(new, changed)
        self.properties = new

    def _nic_steps(self, new: dict[str, Any], changed: set[str]) -> list[dict[str, Any]]:
        old_ifaces = list(self.properties.get("NetworkInterfaces") or [])
        new_ifaces = list(new.get("NetworkInterfaces") or [])
        if old_ifaces and new_ifaces:
            # Only the interfaces that differ move; those in both stay plugged.
            gone = [i for i in old_ifaces if i not in new_ifaces]
            added = [i for i in new_ifaces if i not in old_ifaces]
            return [*({"op": "detach", "port": p} for p in interface_ports(gone)),
                    *({"op": "attach", "port": p} for p in interface_ports(added))]
        if old_ifaces and "NetworkInterfaces" not in changed:
            # NetworkInterfaces outrank SubnetId: a new subnet alone changes nothing.
            return []
        # Otherwise every current interface goes, the port made for the old subnet with it,
        # and the new ports (or one compute picks, when none is named) are plugged in.
        listed = (self.nova.get(f"{self._path()}/os-interface") or {}).get(
            "interfaceAttachments") or []
        steps: list[dict[str, Any]] = [{"op": "detach", "port": str(i["port_id"])}
                                       for i in listed]
        steps.append({"op": "drop", "ports": list(self.data.get("internal_ports") or [])})
        nics = self._server(new)._nics()
        ports = [str(n["port"]) for n in nics if n.get("port")] if isinstance(nics, list) \
            else []
        steps += [{"op": "attach", "port": p} for p in ports] or [{"op": "attach", "port": None}]
        return steps

    def _path(self) -> str:
        return item("/servers", str(self.physical_id))

    def _nic_call(self, step: dict[str, Any]) -> None:
        if step["op"] == "detach":
            remove(self.nova, f"{self._path()}/os-interface/{step['port']}")
        elif step["op"] == "drop":
            neutron = self.client("network")
            for port in step["ports"]:
                remove(neutron, item("/v2.0/ports", port))
                if port in (self.data.get("internal_ports") or []):
                    self.data["internal_ports"].remove(port)
        else:
            wanted = {"port_id": step["port"]} if step["port"] else {}
            self.nova.post(f"{self._path()}/os-interface", {"interfaceAttachment": wanted})

    def check_update_complete(self) -> bool:
        if not self._server().check_update_complete():
            return False
        # Compute plugs and unplugs interfaces at once: each step is done when asked.
        return run_steps(self.data, self._nic_call, lambda step: True, key="nics")

    # -- delete, suspend, resume, check ---------------------------------------------------------
    def delete(self) -> None:
        self._server().delete()

    def check_delete_complete(self) -> bool:
        return self._server().check_delete_complete()

    def suspend(self) -> None:
        self._server().suspend()

    def check_suspend_complete(self) -> bool:
        return self._server().check_suspend_complete()

    def resume(self) -> None:
        self._server().resume()

    def check_resume_complete(self) -> bool:
        return self._server()._active("Instance")

    def check(self) -> None:
        if not self.physical_id:
            return
        status = str(self.nova.get(self._path())["server"].get("status", "")).strip()
        if status != "ACTIVE":
            raise failure("Error", f"Instance is not ACTIVE (was: {status})")

    # -- attributes -----------------------------------------------------------------------------
    def show(self) -> Any:
        return fetch(self.nova, self._path(), "server") if self.physical_id else None

    def attribute(self, name: str) -> Any:
        if name == "show":
            return self.show()
        if not self.physical_id:
            return None
        if name == "AvailabilityZone":
            zone = self.properties.get("AvailabilityZone") or \
                (self.show() or {}).get("OS-EXT-AZ:availability_zone")
            return str(zone) if zone else None
        if name in ADDRESS_ATTRIBUTES:
            # The first address, networks taken in reverse name order; 0.0.0.0 before any.
            return str(self._server().attribute("first_address") or "0.0.0.0")
        return None


TYPES: tuple[type[Resource], ...] = (Instance,)
