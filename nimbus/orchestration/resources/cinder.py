"""Block storage: ``OS::Cinder::Volume`` and ``OS::Cinder::VolumeAttachment`` (a volume
attached to a server through the compute API)."""

from __future__ import annotations

import json
import time
from typing import Any, ClassVar

from nimbus.core import errors
from nimbus.orchestration.resources.base import Resource, UpdateReplace
from nimbus.orchestration.resources.glance import find_image_id
from nimbus.orchestration.resources.schema import BOOLEAN, INTEGER, LIST, MAP, STRING, Attr, Prop
from nimbus.orchestration.resources.service_common import (
    CONFLICT_RETRY_SECS,
    ServiceResource,
    conflict,
    dumps_meta,
    failure,
    fetch,
    in_error,
    item,
    plan,
    run_steps,
    unknown_status,
)

# Extending an attached volume needs 3.42.
EXTEND_VERSION = "3.42"
_CREATING = ("creating", "restoring-backup", "downloading")


class CinderVolume(ServiceResource):
    TYPE = "OS::Cinder::Volume"
    DESCRIPTION = ("A resource that implements Cinder volumes: block storage devices that can, "
                   "for example, give storage to an instance. A volume is made empty of a "
                   "given size, or from a snapshot, a backup, another volume or an image.")
    HIDDEN = frozenset({"imageRef", "multiattach"})
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "availability_zone": Prop(STRING, "The availability zone to make the volume in."),
        "size": Prop(INTEGER, "The size of the volume in GB. An update may only grow it. It "
                              "is required unless backup_id, source_volid or snapshot_id is "
                              "given.", update_allowed=True, range=(1, None)),
        "snapshot_id": Prop(STRING, "The snapshot to make the volume from, if any.",
                            custom="cinder.snapshot"),
        "backup_id": Prop(STRING, "The backup to make the volume from, if any.",
                          update_allowed=True, custom="cinder.backup"),
        "name": Prop(STRING, "A name telling the volume apart.", update_allowed=True),
        "description": Prop(STRING, "A description of the volume.", update_allowed=True),
        "volume_type": Prop(STRING, "The type of volume (mapping to a backend), if any.",
                            update_allowed=True, custom="cinder.vtype"),
        "metadata": Prop(MAP, "Key/value pairs associated with the volume.", default={},
                         update_allowed=True),
        "imageRef": Prop(STRING, "The ID of the image to make the volume from."),
        "image": Prop(STRING, "The name or ID of the image to make the volume from, if any.",
                      custom="glance.image"),
        "source_volid": Prop(STRING, "The volume to copy, if any.", custom="cinder.volume"),
        "scheduler_hints": Prop(MAP, "Key/value pairs given to the Cinder scheduler to help "
                                     "it place the volume."),
        "read_only": Prop(BOOLEAN, "Turns read-only access mode of the volume on or off.",
                          update_allowed=True),
        "multiattach": Prop(BOOLEAN, "Whether the volume may be attached more than once.",
                            default=False),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "availability_zone": Attr("The availability zone the volume is in.", STRING),
        "size": Attr("The size of the volume in GB.", STRING),
        "snapshot_id": Attr("The snapshot the volume was made from, if any.", STRING),
        "display_name": Attr("Name of the volume.", STRING),
        "display_description": Attr("Description of the volume.", STRING),
        "volume_type": Attr("The type of the volume (mapping to a backend), if any.", STRING),
        "metadata": Attr("Key/value pairs associated with the volume.", STRING),
        "source_volid": Attr("The volume copied, if any.", STRING),
        "status": Attr("The current status of the volume.", STRING),
        "created_at": Attr("When the volume was made.", STRING),
        "bootable": Attr("Boolean telling whether the volume can be booted.", STRING),
        "metadata_values": Attr("Key/value pairs associated with the volume, as a map.", MAP),
        "encrypted": Attr("Boolean telling whether the volume is encrypted.", STRING),
        "attachments": Attr("The attachments of the volume, as a string.", STRING),
        "attachments_list": Attr("The list of attachments of the volume.", LIST),
        "multiattach": Attr("Boolean telling whether the volume may be attached more than "
                            "once.", BOOLEAN),
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        if props.get("image") and props.get("imageRef"):
            raise conflict("image", "imageRef")
        if props.get("backup_id") or not complete:
            return
        given = [k for k in ("snapshot_id", "source_volid", "image", "imageRef") if props.get(k)]
        no_size = [k for k in ("snapshot_id", "source_volid") if props.get(k)]
        if props.get("size") is None and (len(no_size) != 1 or len(given) != 1):
            raise failure("StackValidationFailed",
                          'If neither "backup_id" nor "size" is provided, one and only one of '
                          '"source_volid", "snapshot_id" must be specified, but currently '
                          f"specified options: {given}.")
        if props.get("size") and len(given) > 1:
            raise failure("StackValidationFailed",
                          'If "size" is provided, only one of "image", "imageRef", '
                          '"source_volid", "snapshot_id" can be specified, but currently '
                          f"specified options: {given}.")

    @property
    def vol(self) -> Any:
        return self.client("volume")

    def _path(self) -> str:
        return item("/volumes", str(self.physical_id))

    def _get(self) -> dict[str, Any]:
        return self.vol.get(self._path())["volume"]  # type: ignore[no-any-return]

    def create(self) -> None:
        self.validate_properties(self.properties)
        props = self.properties
        name = self.name_or_default()
        if props.get("backup_id"):
            restored = self.vol.post(item("/backups", props["backup_id"]) + "/restore",
                                     {"restore": {"name": name}})["restore"]
            self.physical_id = str(restored["volume_id"])
            self.vol.put(self._path(), {"volume": {"name": name,
                                                   "description": props.get("description")}})
            return
        body: dict[str, Any] = {"name": name}
        for key in ("size", "description", "availability_zone"):
            if props.get(key) not in (None, ""):
                body[key] = props[key]
        if props.get("image"):
            body["imageRef"] = find_image_id(self.client("image"), props["image"])
        elif props.get("imageRef"):
            body["imageRef"] = props["imageRef"]
        for key in ("snapshot_id", "volume_type", "source_volid"):
            if props.get(key) is not None:
                body[key] = props[key]
        if props.get("metadata"):
            body["metadata"] = dumps_meta(props["metadata"])
        if props.get("multiattach"):
            body["multiattach"] = True
        request: dict[str, Any] = {"volume": body}
        if props.get("scheduler_hints"):
            request["OS-SCH-HNT:scheduler_hints"] = props["scheduler_hints"]
        made = self.vol.post("/volumes", request)["volume"]
        self.physical_id = str(made["id"])

    def check_create_complete(self) -> bool:
        status = self._get().get("status")
        if status in _CREATING:
            return False
        if status == "error":
            raise in_error("error")
        if status != "available":
            raise unknown_status("Volume create failed", str(status))
        if self.properties.get("read_only") is not None:
            self._read_only(bool(self.properties["read_only"]))
        return True

    def _read_only(self, flag: bool) -> None:
        self.vol.post(f"{self._path()}/action", {"os-update_readonly_flag": {"readonly": flag}})

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        if any(not self.PROPERTIES[k].update_allowed for k in changed if k in self.PROPERTIES):
            raise UpdateReplace()
        steps: list[dict[str, Any]] = []
        if "size" in changed and new.get("size") is not None:
            current = int(self._get().get("size") or 0)
            if int(new["size"]) < current:
                raise failure("NotSupported", "Shrinking volume is not supported.")
            if int(new["size"]) > current:
                steps.append({"op": "extend", "size": int(new["size"])})
        if "name" in changed or "description" in changed:
            self.vol.put(self._path(), {"volume": {
                "name": self.name_or_default(new), "description": new.get("description")}})
        if "metadata" in changed:
            self.vol.put(f"{self._path()}/metadata",
                         {"metadata": dumps_meta(new.get("metadata"))})
        if "volume_type" in changed and new.get("volume_type"):
            self.vol.post(f"{self._path()}/action", {"os-retype": {
                "new_type": new["volume_type"], "migration_policy": "never"}})
        if "backup_id" in changed and new.get("backup_id"):
            steps.insert(0, {"op": "restore", "backup": new["backup_id"]})
        if "read_only" in changed and new.get("read_only") is not None:
            steps.append({"op": "read_only", "flag": bool(new["read_only"])})
        plan(self.data, steps)
        self.properties = new

    def _call(self, step: dict[str, Any]) -> None:
        if step["op"] == "restore":
            self.vol.post(item("/backups", step["backup"]) + "/restore",
                          {"restore": {"volume_id": self.physical_id}})
        elif step["op"] == "extend":
            step["ready"] = self._get().get("status") in ("available", "in-use")
            if step["ready"]:
                self.vol.post(f"{self._path()}/action", {"os-extend": {"new_size": step["size"]}},
                              microversion=EXTEND_VERSION)
        elif step["op"] == "read_only":
            self._read_only(step["flag"])

    def _done(self, step: dict[str, Any]) -> bool:
        status = self._get().get("status")
        if step["op"] == "restore":
            if status == "restoring-backup":
                return False
            if status != "available":
                raise unknown_status("Volume backup restore failed", str(status))
            return True
        if step["op"] == "extend":
            if not step.get("ready"):
                # Not ready to grow when asked: ask again on the next poll.
                step["called"] = False
                return False
            if status == "extending":
                return False
            if status not in ("available", "in-use"):
                raise unknown_status("Volume resize failed", str(status))
        return True

    def check_update_complete(self) -> bool:
        return run_steps(self.data, self._call, self._done)

    def delete(self) -> None:
        self.data["_deleted"] = True
        if not self.physical_id:
            return
        found = fetch(self.vol, self._path(), "volume")
        if found is None:
            return
        if found.get("status") == "in-use":
            raise failure("Error", "Volume in use")
        if found.get("status") != "deleting":
            self.vol.delete(self._path(), ok=(404,))
        self.data["_deleted"] = False

    def check_delete_complete(self) -> bool:
        if self.data.get("_deleted"):
            return True
        found = fetch(self.vol, self._path(), "volume")
        if found is None:
            return True
        if str(found.get("status")).lower() == "error_deleting":
            raise in_error(str(found.get("status")), "delete")
        return False

    def show(self) -> Any:
        return fetch(self.vol, self._path(), "volume") if self.physical_id else None

    def attribute(self, name: str) -> Any:
        if name == "show":
            return self.show()
        vol = self.show()
        if vol is None:
            return None
        if name == "metadata":
            return json.dumps(vol.get("metadata") or {})
        if name == "metadata_values":
            return vol.get("metadata")
        if name == "display_name":
            return vol.get("name")
        if name == "display_description":
            return vol.get("description")
        if name == "attachments_list":
            return vol.get("attachments")
        if name == "multiattach":
            return vol.get("multiattach")
        # Heat gives the rest as strings, as the volume shows them.
        return str(vol.get(name))

    def check(self) -> None:
        if self.physical_id:
            status = self._get().get("status")
            if status not in ("available", "in-use"):
                raise failure("Error", f"'status': expected '['available', 'in-use']', got "
                                       f"'{status}'")


class CinderVolumeAttachment(ServiceResource):
    TYPE = "OS::Cinder::VolumeAttachment"
    DESCRIPTION = ("Resource for associating volume to instance: it attaches an existing volume "
                   "to a server, at a place on it that may be given.")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "instance_uuid": Prop(STRING, "The ID of the server the volume is attached to.",
                              required=True, update_allowed=True),
        "volume_id": Prop(STRING, "The ID of the volume to attach.", required=True,
                          update_allowed=True, custom="cinder.volume"),
        "mountpoint": Prop(STRING, "Where the volume shows on the instance. It may not be "
                                   "honoured: the path /dev/disk/by-id/virtio-<VolumeId> is "
                                   "the one to rely on.", update_allowed=True),
    }

    # -- the calls, on compute and on the volume service -----------------------------------
    def _attach(self, server: str, volume: str, device: str | None) -> bool:
        """Ask compute to attach; False when refused for now (409: busy)."""
        body: dict[str, Any] = {"volumeId": volume}
        if device:
            body["device"] = device
        try:
            made = self.client("compute").post(
                item("/servers", server) + "/os-volume_attachments", {"volumeAttachment": body})
        except errors.Conflict:
            first = float(self.data.setdefault("_busy_since", time.time()))
            if time.time() - first > CONFLICT_RETRY_SECS:
                raise
            return False
        except errors.NimbusError as exc:
            raise failure("Error", f"Failed to attach volume {volume} to server {server} - "
                                   f"{exc.message}") from None
        self.data.pop("_busy_since", None)
        self.physical_id = str(made["volumeAttachment"]["id"])
        return True

    def _attached(self, volume: str) -> bool:
        status = self.client("volume").get(item("/volumes", volume))["volume"].get("status")
        if status in ("available", "attaching", "reserved"):
            return False
        if status != "in-use":
            raise unknown_status("Volume attachment failed", str(status))
        return True

    def _detach(self, server: str, attachment: str) -> bool:
        try:
            self.client("compute").delete(
                f"{item('/servers', server)}/os-volume_attachments/{attachment}", ok=(404, 400))
        except errors.Conflict:
            return False
        return True

    def _detached(self, server: str, volume: str, attachment: str) -> bool:
        vol = fetch(self.client("volume"), item("/volumes", volume), "volume")
        if vol is not None:
            servers = [a.get("server_id") for a in vol.get("attachments") or []]
            if server in servers:
                status = vol.get("status")
                if status in ("in-use", "detaching", "reserved"):
                    return False
                if status not in ("available", "deleting"):
                    raise unknown_status("Volume detachment failed", str(status))
        # Compute may still hold the attachment a moment after the volume is free.
        still = fetch(self.client("compute"),
                      f"{item('/servers', server)}/os-volume_attachments/{attachment}",
                      "volumeAttachment")
        return still is None

    # -- the steps -----------------------------------------------------------------------------
    def create(self) -> None:
        props = self.properties
        self.data["_attach_called"] = self._attach(str(props["instance_uuid"]),
                                                   str(props["volume_id"]),
                                                   props.get("mountpoint") or None)

    def check_create_complete(self) -> bool:
        props = self.properties
        if not self.data.get("_attach_called"):
            self.create()
            return False
        return self._attached(str(props["volume_id"]))

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        old = self.properties
        steps = [{"op": "detach", "server": old["instance_uuid"], "volume": old["volume_id"],
                  "attachment": self.physical_id},
                 {"op": "attach", "server": new["instance_uuid"], "volume": new["volume_id"],
                  "device": new.get("mountpoint") or None}]
        plan(self.data, steps)
        self.properties = new

    def _call(self, step: dict[str, Any]) -> None:
        if step["op"] == "detach":
            step["requested"] = self._detach(step["server"], str(step["attachment"]))
        else:
            step["requested"] = self._attach(step["server"], step["volume"], step["device"])

    def _done(self, step: dict[str, Any]) -> bool:
        if not step.get("requested"):
            step["called"] = False
            return False
        if step["op"] == "detach":
            return self._detached(step["server"], step["volume"], str(step["attachment"]))
        return self._attached(step["volume"])

    def check_update_complete(self) -> bool:
        return run_steps(self.data, self._call, self._done)

    def delete(self) -> None:
        if not self.physical_id:
            plan(self.data, [])
            return
        plan(self.data, [{"op": "detach", "server": self.properties["instance_uuid"],
                          "volume": self.properties["volume_id"],
                          "attachment": self.physical_id}])

    def check_delete_complete(self) -> bool:
        return run_steps(self.data, self._call, self._done)

    def show(self) -> Any:
        if not self.physical_id:
            return None
        return fetch(self.client("compute"),
                     f"{item('/servers', str(self.properties['instance_uuid']))}"
                     f"/os-volume_attachments/{self.physical_id}", "volumeAttachment")

    def check(self) -> None:
        if self.physical_id and self.show() is None:
            raise failure("NotFound", f"Volume attachment {self.physical_id} could not be "
                                      "found.")


TYPES: tuple[type[Resource], ...] = (CinderVolume, CinderVolumeAttachment)
