"""``block_device_mapping_v2`` in a server create request: checked and normalised here.

Each mapping says where a disk comes from (``source_type``) and where it lives
(``destination_type``). Nimbus supports the forms clients use: an existing volume, a new volume
made from an image, a snapshot or nothing (``blank``), and the image itself on local disk
(which is the same as ``imageRef``).
"""

from __future__ import annotations

from typing import Any

from nimbus.compute.schemas import common
from nimbus.core.errors import BadRequest, ValidationError

FIELD = "block_device_mapping_v2"
SOURCES = ("image", "volume", "snapshot", "blank")
DESTINATIONS = ("volume", "local")
_ALLOWED = frozenset({
    "source_type", "destination_type", "uuid", "boot_index", "volume_size",
    "delete_on_termination", "device_name", "tag", "disk_bus", "device_type", "guest_format",
    "no_device", "volume_type", "connection_info", "snapshot_id", "volume_id", "image_id",
})


def _one(raw: Any, index: int) -> dict[str, Any] | None:
    where = f"{FIELD}[{index}]"
    if not isinstance(raw, dict):
        raise ValidationError(field=where, reason=f"{raw!r} is not of type 'object'")
    extra = sorted(set(raw) - _ALLOWED)
    if extra:
        raise ValidationError(field=where, reason="Additional properties are not allowed "
                              f"({', '.join(repr(k) for k in extra)} unexpected)")
    if raw.get("no_device"):
        return None     # suppresses a mapping the image would bring; nothing to build
    source = raw.get("source_type")
    if source not in SOURCES:
        raise ValidationError(field=f"{where}.source_type",
                              reason=f"{source!r} is not one of {list(SOURCES)}")
    destination = raw.get("destination_type") or ("local" if source == "image" and
                                                   raw.get("boot_index") in (0, "0") and
                                                   not raw.get("volume_size") else "volume")
    if destination not in DESTINATIONS:
        raise ValidationError(field=f"{where}.destination_type",
                              reason=f"{destination!r} is not one of {list(DESTINATIONS)}")
    uuid = raw.get("uuid") or raw.get(f"{source}_id")
    if source != "blank" and not (isinstance(uuid, str) and uuid):
        raise BadRequest(f"Block Device Mapping is Invalid: a {source} mapping needs the "
                         f"{source}'s id in 'uuid'.")
    boot = raw.get("boot_index")
    boot_index = None if boot in (None, "", "none", "None") else \
        common.integer({"boot_index": boot}, "boot_index", minimum=-1)
    if boot_index is not None and boot_index < 0:
        boot_index = None
    size = common.integer(raw, "volume_size", minimum=0)
    if source == "blank" and destination == "volume" and not size:
        raise BadRequest("Block Device Mapping is Invalid: a blank volume needs "
                         "'volume_size'.")
    if source == "image" and destination == "volume" and not size:
        raise BadRequest("Block Device Mapping is Invalid: Images with destination_type "
                         "'volume' need to have a non-zero size specified")
    if destination == "local" and source != "image":
        # Ephemeral and swap disks live in the flavor; a local non-image disk has no use here.
        raise BadRequest(f"Block Device Mapping is Invalid: a {source} mapping with "
                         "destination_type 'local' is not supported.")
    device = common.string(raw, "device_name", nullable=True)
    tag = common.string(raw, "tag", nullable=True, max_len=60)
    delete = common.boolean(raw, "delete_on_termination", default=False)
    volume_type = common.string(raw, "volume_type", nullable=True)
    return {"source_type": source, "destination_type": destination,
            "uuid": uuid if source != "blank" else None, "boot_index": boot_index,
            "volume_size": size, "delete_on_termination": bool(delete),
            "device_name": device, "tag": tag, "volume_type": volume_type}


def parse(raw: Any, image_ref: str) -> tuple[list[dict[str, Any]], str]:
    """The volume mappings to build, and the image to boot (``""`` when a volume boots)."""
    if raw is None:
        return [], image_ref
    if not isinstance(raw, list):
        raise ValidationError(field=FIELD, reason=f"{raw!r} is not of type 'array'")
    mappings = [m for m in (_one(item, i) for i, item in enumerate(raw)) if m is not None]
    boots = [m for m in mappings if m["boot_index"] == 0]
    if len(boots) > 1:
        raise BadRequest("Block Device Mapping is Invalid: Boot sequence for the instance "
                         "and image/block device mapping combination is not valid.")
    volumes = [m for m in mappings if m["destination_type"] == "volume"]
    if not boots:
        if not image_ref:
            raise ValidationError(field="imageRef", reason="'imageRef' is a required property")
        return volumes, image_ref
    boot = boots[0]
    if boot["destination_type"] == "local":
        # The image on the host's disk: exactly what imageRef means.
        if image_ref and image_ref != boot["uuid"]:
            raise BadRequest("Block Device Mapping is Invalid: imageRef and the boot "
                             "mapping's image differ.")
        return volumes, str(boot["uuid"])
    return volumes, ""
