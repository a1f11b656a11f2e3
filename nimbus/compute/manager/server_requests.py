"""A ``POST /servers`` body, already checked against its schema, made into what the manager
builds from: the checks here are the ones a schema cannot make, because they depend on other
fields' values (which mappings boot, whether an image is still needed...)."""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

from nimbus.compute.constants import ROOT_DEVICE
from nimbus.compute.errors import invalid_field
from nimbus.compute.schemas.common import as_bool
from nimbus.compute.schemas.servers import UUID_PATTERN
from nimbus.core.errors import BadRequest

__all__ = ["UUID_PATTERN", "access_address", "create_spec", "group_hint", "hints_to_keep",
           "image_id_of", "sanitize_hostname", "fits_disk", "with_image_mappings"]

BDM_FIELD = "block_device_mapping_v2"
# An id another service is asked about goes into that service's URL path: letters, digits and
# a few marks, never a path of its own ("../..") or anything a URL would read differently.
SAFE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:~-]{0,254}")
UUID_LIKE = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                       r"[0-9a-fA-F]{12}")


def image_id_of(ref: str) -> str:
    """The image id an ``imageRef`` names (an id, or a link whose last part is the id);
    ``""`` for none. Anything else is Nova's 400."""
    if not ref:
        return ""
    if re.match(r"https?://", ref):
        ref = ref.rstrip("/").rsplit("/", 1)[-1]
    if not SAFE_ID.fullmatch(ref):
        raise BadRequest("Invalid imageRef provided.")
    return ref


def _mapping(raw: dict[str, Any], index: int) -> dict[str, Any] | None:
    """One ``block_device_mapping_v2`` item, normalised; None for a ``no_device`` one."""
    if raw.get("no_device"):
        return None     # suppresses a mapping the image would bring; nothing to build
    source = raw.get("source_type")
    if source is None:
        raise invalid_field(f"{BDM_FIELD}[{index}].source_type", raw,
                            "'source_type' is a required property")
    destination = raw.get("destination_type") or ("local" if source == "image" and
                                                   raw.get("boot_index") in (0, "0") and
                                                   not raw.get("volume_size") else "volume")
    uuid = raw.get("uuid") or raw.get(f"{source}_id")
    if source != "blank" and not (isinstance(uuid, str) and uuid):
        raise BadRequest(f"Block Device Mapping is Invalid: a {source} mapping needs the "
                         f"{source}'s id in 'uuid'.")
    if source != "blank" and not SAFE_ID.fullmatch(str(uuid)):
        raise BadRequest(f"Block Device Mapping is Invalid: {uuid!r} is not a {source} id.")
    boot = raw.get("boot_index")
    boot_index = None if boot in (None, "", "none", "None") else int(boot)
    if boot_index is not None and boot_index < 0:
        boot_index = None
    size_value = raw.get("volume_size")
    size = None if size_value in (None, "") else int(size_value)
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
    return {"source_type": source, "destination_type": destination,
            "uuid": uuid if source != "blank" else None, "boot_index": boot_index,
            "volume_size": size, "delete_on_termination": as_bool(
                raw.get("delete_on_termination", False)),
            "device_name": raw.get("device_name"), "tag": raw.get("tag"),
            "volume_type": raw.get("volume_type")}


def block_devices(raw: list[dict[str, Any]] | None,
                  image_ref: str) -> tuple[list[dict[str, Any]], str]:
    """The volume mappings to build, and the image to boot (``""`` when a volume boots)."""
    if raw is None:
        if not image_ref:
            raise invalid_field("imageRef", image_ref, "'imageRef' is a required property")
        return [], image_ref
    mappings = [m for m in (_mapping(item, i) for i, item in enumerate(raw)) if m is not None]
    boots = [m for m in mappings if m["boot_index"] == 0]
    if len(boots) > 1:
        raise BadRequest("Block Device Mapping is Invalid: Boot sequence for the instance "
                         "and image/block device mapping combination is not valid.")
    volumes = [m for m in mappings if m["destination_type"] == "volume"]
    if not boots:
        if not image_ref:
            raise invalid_field("imageRef", image_ref, "'imageRef' is a required property")
        return volumes, image_ref
    boot = boots[0]
    if boot["destination_type"] == "local":
        # The image on the host's disk: exactly what imageRef means.
        if image_ref and image_ref != boot["uuid"]:
            raise BadRequest("Block Device Mapping is Invalid: imageRef and the boot "
                             "mapping's image differ.")
        return volumes, str(boot["uuid"])
    return volumes, ""


def fits_disk(image: dict[str, Any], disk: int) -> None:
    """Refuse an image too big for a root disk of ``disk`` GiB (0: no local root disk)."""
    if disk and int(image.get("min_disk") or 0) > disk:
        raise BadRequest("Flavor's disk is too small for requested image. Flavor disk is "
                         f"{disk * 1024 ** 3} bytes, minimum disk is "
                         f"{int(image['min_disk']) * 1024 ** 3} bytes.")
    if disk and image.get("size") and int(image["size"]) > disk * 1024 ** 3:
        raise BadRequest(f"Flavor's disk is too small for requested image. Flavor disk is "
                         f"{disk * 1024 ** 3} bytes, image is {image['size']} bytes.")


def with_image_mappings(requested: list[dict[str, Any]], image: dict[str, Any]
                        ) -> tuple[list[dict[str, Any]], bool]:
    """The request's volume mappings plus those the image brings (compute's snapshot of a
    volume-backed server maps the snapshots of its volumes), as Nova merges them: the
    request's own win on a device name, and its own boot volume over the image's. True when a
    volume, not the image, is then the root disk."""
    raw = image.get("block_device_mapping")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    items = [m for m in (_mapping(item, i) for i, item in enumerate(raw or [])
                         if isinstance(item, dict)) if m is not None] \
        if isinstance(raw, list) else []
    names = {m["device_name"] for m in requested if m.get("device_name")}
    own_boot = any(m["boot_index"] == 0 for m in requested)
    merged = list(requested) + [
        m for m in items if m["destination_type"] == "volume"
        and not (m["device_name"] and m["device_name"] in names)
        and not (own_boot and m["boot_index"] == 0)]
    return merged, any(m["boot_index"] == 0 for m in merged)


def _networks(value: Any) -> Any:
    """``"auto"``, ``"none"``, None (before 2.37) or the list of requested networks."""
    if value is None or isinstance(value, str):
        return value
    result = []
    for item in value:
        uuid, port = item.get("uuid"), item.get("port")
        if not uuid and not port:
            raise BadRequest("Bad networks format: network uuid is not in proper format")
        for kind, value in (("network uuid", uuid), ("port id", port)):
            if value and not UUID_LIKE.fullmatch(value):
                raise BadRequest(f"Bad networks format: {kind} is not in proper format "
                                 f"({value})")
        if item.get("fixed_ip") is not None and not _is_address(item["fixed_ip"]):
            raise invalid_field("fixed_ip", item["fixed_ip"],
                                f"{item['fixed_ip']!r} is not a 'ip_address'")
        result.append({"uuid": uuid, "port": port, "fixed_ip": item.get("fixed_ip"),
                       "tag": item.get("tag")})
    return result


def _is_address(value: str, version: int | None = None) -> bool:
    try:
        found = ipaddress.ip_address(value)
    except ValueError:
        return False
    return version is None or found.version == version


def access_address(body: dict[str, Any], field: str, version: int) -> str | None:
    """``accessIPv4``/``accessIPv6`` checked, in the form Nova keeps it (an IPv6 address
    compressed); None when absent, "" when cleared."""
    value = body.get(field)
    if value in (None, ""):
        return value
    if not _is_address(str(value), version):
        raise invalid_field(field, value, f"{value!r} is not a 'ipv{version}'")
    return str(ipaddress.ip_address(value))


def sanitize_hostname(name: str) -> str:
    """A server's default hostname from its name, as Nova derives it: Latin-1 only, spaces,
    underscores and dots as dashes, nothing else but word characters, at most 63 long."""
    text = name.encode("latin-1", "ignore").decode("latin-1")[:63]
    text = re.sub(r"[ _.]", "-", text)
    text = re.sub(r"[^\w.-]+", "", text)
    return text.lower().strip(".-")


def _strip_dev(name: Any) -> str:
    return re.sub(r"^/dev/", "", str(name or ""))


def _legacy_mappings(raw: list[dict[str, Any]], image_ref: str) -> list[dict[str, Any]]:
    """Legacy (v1) ``block_device_mapping`` items as v2 ones: the volume or snapshot on the
    root device boots the server; without one, the image does."""
    root = _strip_dev(ROOT_DEVICE)
    converted = []
    for item in raw:
        common = {"device_name": item.get("device_name"),
                  "delete_on_termination": as_bool(item.get("delete_on_termination", False)),
                  "volume_size": item.get("volume_size")}
        virtual = str(item.get("virtual_name") or "")
        if virtual == "swap" or virtual.startswith("ephemeral"):
            new = {**common, "source_type": "blank", "destination_type": "local"}
        elif item.get("snapshot_id"):
            new = {**common, "source_type": "snapshot", "destination_type": "volume",
                   "uuid": item["snapshot_id"]}
        elif item.get("volume_id"):
            new = {**common, "source_type": "volume", "destination_type": "volume",
                   "uuid": item["volume_id"]}
        elif item.get("no_device"):
            new = {**common, "no_device": True}
        else:
            raise BadRequest("Block Device Mapping is Invalid: Unrecognized legacy format.")
        on_root = _strip_dev(item.get("device_name")) == root
        if image_ref and on_root and new.get("destination_type") == "volume":
            raise BadRequest("The volume cannot be assigned the same device name as the root "
                             f"device {root}")
        new["boot_index"] = 0 if on_root and new.get("destination_type") == "volume" else -1
        converted.append(new)
    if not image_ref and not any(m["boot_index"] == 0 for m in converted):
        raise BadRequest("Block Device Mapping is Invalid: Boot sequence for the instance "
                         "and image/block device mapping combination is not valid.")
    return converted


def _count(body: dict[str, Any]) -> tuple[int, int]:
    """``min_count`` (1 when absent) and ``max_count`` (``min_count`` when absent)."""
    low = int(body.get("min_count", 1))
    high = int(body.get("max_count", low))
    if low > high:
        raise BadRequest("min_count must be <= max_count")
    return low, high


def _check_multiple(spec: dict[str, Any]) -> None:
    """What a request for more than one server may not name, as Nova refuses it."""
    for item in spec["networks"] if isinstance(spec["networks"], list) else []:
        if item.get("uuid") and item.get("fixed_ip"):
            raise BadRequest("Failed to launch instances: max_count cannot be greater than 1 "
                             "if an fixed_ip is specified.")
        if item.get("port"):
            raise BadRequest("Failed to launch instances: Unable to launch multiple instances "
                             "with a single configured port ID. Please launch your instance "
                             "one by one with different ports.")
    if spec["hostname"]:
        raise BadRequest("Unable to allocate a single hostname to multiple instances")
    if any(m["source_type"] == "volume" for m in spec["block_devices"]):
        raise BadRequest("Cannot attach one or more volumes to multiple instances")


def create_spec(body: dict[str, Any]) -> dict[str, Any]:
    """The ``server`` object of a create request as plain keyword values."""
    image = image_id_of(str(body.get("imageRef", "")))
    min_count, max_count = _count(body)
    legacy, mappings = body.get("block_device_mapping"), body.get("block_device_mapping_v2")
    if legacy and mappings:
        raise BadRequest("Using different block_device_mapping syntaxes is not allowed in "
                         "the same request.")
    if legacy:
        mappings = _legacy_mappings(legacy, image)
    volumes, image = block_devices(mappings, image)
    groups = body.get("security_groups") or []
    disk_config = body.get("OS-DCF:diskConfig")
    spec = {
        "name": body["name"], "flavor_ref": str(body["flavorRef"]), "image_ref": image,
        "block_devices": volumes,
        "networks": _networks(body.get("networks")),
        "key_name": body.get("key_name"),
        "metadata": dict(body.get("metadata") or {}),
        "user_data": body.get("user_data"),
        "security_groups": [{"name": g["name"]} for g in groups],
        "availability_zone": body.get("availability_zone"),
        "access_ipv4": access_address(body, "accessIPv4", 4),
        "access_ipv6": access_address(body, "accessIPv6", 6),
        "config_drive": as_bool(body.get("config_drive", False)),
        "description": body.get("description"),
        "tags": list(dict.fromkeys(body.get("tags") or [])),
        "admin_pass": body.get("adminPass"),
        "min_count": min_count, "max_count": max_count,
        "return_reservation_id": as_bool(body.get("return_reservation_id", False)),
        "auto_disk_config": None if disk_config is None else disk_config == "AUTO",
        "injected_files": [(str(f.get("path", "")), str(f.get("contents", "")))
                           for f in body.get("personality") or []],
        "hostname": body.get("hostname"),
        "requested_host": body.get("host") or body.get("hypervisor_hostname"),
    }
    if max_count > 1:
        _check_multiple(spec)
    return spec


def hints_to_keep(hints: dict[str, Any] | None) -> dict[str, list[Any]]:
    """The scheduler hints as Nova keeps them with the request (and shows them from 2.100):
    each one a list, its own if it was one."""
    kept: dict[str, list[Any]] = {}
    for name, value in (hints or {}).items():
        if str(name).startswith("_nova"):
            continue
        kept[str(name)] = list(value) if isinstance(value, list) else [value]
    return kept


def group_hint(hints: dict[str, Any] | None) -> str | None:
    """The server group a create request's scheduler hints name, if any. The schema lets a
    list through (the CLI makes one of a repeated hint); a server joins one group only."""
    value = (hints or {}).get("group")
    if isinstance(value, list):
        named = list(dict.fromkeys(str(v).lower().replace("-", "") for v in value))
        if len(named) > 1:
            raise BadRequest("A server can be in only one server group.")
        value = value[0]
    return str(value) if value else None
