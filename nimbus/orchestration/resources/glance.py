"""Images: ``OS::Glance::WebImage`` (an image the image service imports from a URL with its
``web-download`` method), and finding an image by name or id as Heat does."""

from __future__ import annotations

from typing import Any, ClassVar

from nimbus.core import errors
from nimbus.orchestration.resources.base import Resource, UpdateReplace
from nimbus.orchestration.resources.schema import BOOLEAN, INTEGER, LIST, MAP, STRING, Prop, Support
from nimbus.orchestration.resources.service_common import (
    ServiceResource,
    failure,
    fetch,
    in_error,
    is_uuid,
    item,
    query,
    remove,
)

_UUID_PATTERN = ("^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-"
                 "([0-9a-fA-F]){12}$")
_IMPORT_FAILED = "os_glance_failed_import"


def find_image_id(client: Any, name_or_id: str) -> str:
    """The id of the image ``name_or_id`` names; refused with the words of Heat's Glance
    client when no image, or more than one, has that name."""
    if is_uuid(name_or_id):
        found = fetch(client, item("/v2/images", name_or_id))
        if found is not None:
            return str(found["id"])
    listed = (client.get(query("/v2/images", name=name_or_id)) or {}).get("images") or []
    matches = [i for i in listed if i.get("name") == name_or_id]
    if not matches:
        raise failure("EntityMatchNotFound", f"No images matching {{'name': '{name_or_id}'}}.")
    if len(matches) > 1:
        raise failure("EntityUniqueMatchNotFound",
                      f"No images unique match found for {{'name': '{name_or_id}'}}.")
    return str(matches[0]["id"])


class GlanceWebImage(ServiceResource):
    TYPE = "OS::Glance::WebImage"
    DESCRIPTION = ("A resource managing images in Glance using web-download import: the image "
                   "service fetches the data from a URL (for recent Glance installations).")
    SUPPORT = Support(version="12.0.0")
    # Core attributes (replaced in a JSON patch) and extra properties (added or removed).
    _CORE = ("name", "min_disk", "min_ram", "protected", "disk_format", "container_format",
             "owner", "visibility")
    _EXTRA = ("architecture", "kernel_id", "os_distro", "os_version", "ramdisk_id")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "Name of the image; image names need not be unique within an "
                             "image service."),
        "id": Prop(STRING, "The image ID; Glance makes a UUID when it is not given."),
        "min_disk": Prop(INTEGER, "Disk space (in GB) needed to boot the image; 0, the "
                                  "default, sets no limit.", default=0, range=(0, None)),
        "min_ram": Prop(INTEGER, "RAM (in MB) needed to boot the image; 0, the default, sets "
                                 "no limit.", default=0, range=(0, None)),
        "protected": Prop(BOOLEAN, "Whether the image can be deleted: a protected image "
                                   "cannot.", default=False, update_allowed=True),
        "disk_format": Prop(STRING, "Disk format of image.", required=True,
                            allowed=("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw",
                                     "qcow2", "vdi", "iso", "ploop")),
        "container_format": Prop(STRING, "Container format of image.", required=True,
                                 allowed=("ami", "ari", "aki", "bare", "ovf", "ova",
                                          "docker")),
        "location": Prop(STRING, "URL the data of the image is at, for example "
                                 '"swift://example.com/container/obj" when it is kept in '
                                 "swift.", required=True),
        "tags": Prop(LIST, "List of image tags.", update_allowed=True),
        "architecture": Prop(STRING, "Operating system architecture.", update_allowed=True),
        "kernel_id": Prop(STRING, "ID of an image in Glance to use as the kernel when booting "
                                  "an AMI-style image.", update_allowed=True,
                          pattern=_UUID_PATTERN),
        "os_distro": Prop(STRING, "The common name of the operating system distribution, in "
                                  "lowercase.", update_allowed=True),
        "os_version": Prop(STRING, "Operating system version, as its distributor names it.",
                           update_allowed=True),
        "owner": Prop(STRING, "Owner of the image.", update_allowed=True),
        "extra_properties": Prop(MAP, "Any properties to associate with the image.",
                                 default={}, update_allowed=True),
        "visibility": Prop(STRING, "Scope of image accessibility.", default="private",
                           update_allowed=True,
                           allowed=("public", "private", "community", "shared")),
        "ramdisk_id": Prop(STRING, "ID of an image in Glance to use as the ramdisk when "
                                   "booting an AMI-style image.", update_allowed=True,
                           pattern=_UUID_PATTERN),
        "active": Prop(BOOLEAN, "Activate or deactivate the image (admin access needed).",
                       default=True, update_allowed=True),
        "members": Prop(LIST, "Further members allowed to read the image: Keystone project "
                              "or user IDs, depending on how Glance is configured.",
                        update_allowed=True,
                        items=Prop(STRING, "A member ID: a Keystone project or user ID, "
                                           "depending on how Glance is configured.")),
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        container = props.get("container_format")
        if container in ("ami", "ari", "aki") and props.get("disk_format") not in (
                container, None):
            raise failure("StackValidationFailed",
                          "Invalid mix of disk and container formats. When setting a disk or "
                          "container format to one of 'aki', 'ari', or 'ami', the container "
                          "and disk formats must match.")
        if props.get("members") and props.get("visibility") not in ("shared", None):
            raise failure("ResourcePropertyValueDependency",
                          "members property should only be specified for visibility with "
                          "value shared.")

    @property
    def images(self) -> Any:
        return self.client("image")

    def _path(self) -> str:
        return item("/v2/images", str(self.physical_id))

    def create(self) -> None:
        self.validate_properties(self.properties)
        props = self.properties
        body = {k: v for k, v in props.items()
                if v is not None and k not in ("location", "active", "members",
                                               "extra_properties")}
        made = self.images.post("/v2/images", body)
        self.physical_id = str(made["id"])
        self.images.post(f"{self._path()}/import",
                         {"method": {"name": "web-download", "uri": props["location"]}})
        for member in props.get("members") or []:
            self.images.post(f"{self._path()}/members", {"member": member})
        extra = props.get("extra_properties") or {}
        if extra:
            self._patch([{"op": "add", "path": f"/{k}", "value": v} for k, v in extra.items()])

    def _patch(self, ops: list[dict[str, Any]]) -> None:
        if ops:
            self.images.patch_image(str(self.physical_id), ops)

    def _import_failure(self, image: dict[str, Any]) -> str | None:
        """Why the import failed, once the image is back in ``queued`` (None while running)."""
        if image.get("status") != "queued":
            return None
        tasks = (fetch(self.images, f"{self._path()}/tasks") or {}).get("tasks") or []
        failed = [t for t in tasks if t.get("status") == "failure"]
        if failed or image.get(_IMPORT_FAILED):
            return str((failed[0].get("message") if failed else None) or "Unknown")
        return None

    def check_create_complete(self) -> bool:
        image = self.images.get(self._path())
        status = image.get("status")
        if status == "killed":
            raise in_error("killed")
        reason = self._import_failure(image)
        if reason is not None:
            raise in_error("queued", reason)
        if self.properties.get("active") is False:
            if status == "active":
                self.images.post(f"{self._path()}/actions/deactivate")
                return True
            return status == "deactivated"
        return status == "active"

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        if any(not self.PROPERTIES[k].update_allowed for k in changed if k in self.PROPERTIES):
            raise UpdateReplace()
        self.validate_properties(new)
        self._apply(self.properties, new, changed)
        self.properties = new

    def _apply(self, old: dict[str, Any], new: dict[str, Any], changed: set[str]) -> None:
        ops: list[dict[str, Any]] = []
        current = self.images.get(self._path())
        for key in changed:
            if key in self._CORE and new.get(key) is not None:
                ops.append({"op": "replace", "path": f"/{key}", "value": new[key]})
            elif key in self._EXTRA:
                if new.get(key) is not None:
                    ops.append({"op": "add", "path": f"/{key}", "value": new[key]})
                elif key in current:
                    ops.append({"op": "remove", "path": f"/{key}"})
        if "extra_properties" in changed:
            before, after = old.get("extra_properties") or {}, new.get("extra_properties") or {}
            ops += [{"op": "add", "path": f"/{k}", "value": v} for k, v in after.items()]
            ops += [{"op": "remove", "path": f"/{k}"} for k in before
                    if k not in after and k in current]
        self._patch(ops)
        if "tags" in changed:
            before_tags, after_tags = set(old.get("tags") or []), set(new.get("tags") or [])
            for tag in sorted(after_tags - before_tags):
                self.images.put(item(f"{self._path()}/tags", tag))
            for tag in sorted(before_tags - after_tags):
                remove(self.images, item(f"{self._path()}/tags", tag))
        if "members" in changed:
            before_m, after_m = set(old.get("members") or []), set(new.get("members") or [])
            for member in sorted(after_m - before_m):
                self.images.post(f"{self._path()}/members", {"member": member})
            for member in sorted(before_m - after_m):
                remove(self.images, item(f"{self._path()}/members", member))
        if "active" in changed:
            action = "reactivate" if new.get("active") is not False else "deactivate"
            self.images.post(f"{self._path()}/actions/{action}")

    def delete(self) -> None:
        if self.physical_id:
            remove(self.images, self._path())

    def show(self) -> Any:
        if not self.physical_id:
            return None
        return fetch(self.images, self._path())

    def check(self) -> None:
        if self.physical_id:
            image = self.images.get(self._path())
            if image.get("status") in ("deleted", "killed"):
                raise errors.NotFound(f"Image {self.physical_id} could not be found.")


TYPES: tuple[type[Resource], ...] = (GlanceWebImage,)
