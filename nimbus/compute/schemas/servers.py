"""Server requests and responses, shaped per microversion as the compute API reference says."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from nimbus.compute import networking
from nimbus.compute.db.models import Instance, VolumeAttachment
from nimbus.compute.schemas import block_devices as block_devices_schema
from nimbus.compute.schemas import common
from nimbus.compute.states import status_of
from nimbus.core.db.base import iso
from nimbus.core.errors import BadRequest, ValidationError

CREATE_KEYS = {
    "name", "imageRef", "flavorRef", "networks", "key_name", "metadata", "user_data",
    "security_groups", "availability_zone", "accessIPv4", "accessIPv6", "config_drive",
    "description", "tags", "min_count", "max_count", "block_device_mapping_v2",
    "block_device_mapping", "adminPass", "OS-DCF:diskConfig", "hostname", "host",
    "hypervisor_hostname", "return_reservation_id", "trusted_image_certificates", "personality",
}
TAG_RE = re.compile(r"^[^,/]{1,60}$")


def check_tags(tags: Any, field: str = "tags") -> list[str]:
    if not isinstance(tags, list) or len(tags) > 50:
        raise ValidationError(field=field, reason="must be a list of at most 50 tags")
    for tag in tags:
        if not isinstance(tag, str) or not TAG_RE.match(tag):
            raise ValidationError(field=field, reason=f"{tag!r} is not a valid tag")
    return list(dict.fromkeys(tags))


def _networks(value: Any, new_style: bool) -> Any:
    if value is None:
        if new_style:
            raise ValidationError(field="networks", reason="'networks' is a required property")
        return None
    if isinstance(value, str):
        if new_style and value in ("auto", "none"):
            return value
        raise ValidationError(field="networks", reason=f"{value!r} is not of type 'array'")
    if not isinstance(value, list):
        raise ValidationError(field="networks", reason=f"{value!r} is not of type 'array'")
    result = []
    for item in value:
        if not isinstance(item, dict):
            raise ValidationError(field="networks", reason=f"{item!r} is not of type 'object'")
        common.no_extra(item, {"uuid", "port", "fixed_ip", "tag"}, "networks")
        uuid = common.string(item, "uuid", nullable=True)
        port = common.string(item, "port", nullable=True)
        if not uuid and not port:
            raise BadRequest("Bad networks format: network uuid is not in proper format")
        result.append({"uuid": uuid, "port": port,
                       "fixed_ip": common.string(item, "fixed_ip", nullable=True),
                       "tag": common.string(item, "tag", nullable=True)})
    return result


def parse_create(body: dict[str, Any], version_at_least: Any) -> dict[str, Any]:
    """Validate a ``POST /servers`` body's ``server`` object into plain keyword values."""
    common.no_extra(body, CREATE_KEYS, "server")
    name = common.string(body, "name", required=True, min_len=1)
    if name is not None and name.strip() != name:
        raise ValidationError(field="name", reason="leading or trailing whitespace")
    flavor = body.get("flavorRef")
    if flavor is None or flavor == "":
        raise ValidationError(field="flavorRef", reason="'flavorRef' is a required property")
    if not isinstance(flavor, str | int) or isinstance(flavor, bool):
        raise ValidationError(field="flavorRef", reason=f"{flavor!r} is not of type 'string'")
    image = body.get("imageRef", "")
    if not isinstance(image, str):
        raise ValidationError(field="imageRef", reason=f"{image!r} is not of type 'string'")
    # imageRef may be a link; the id is its last part.
    image = image.rstrip("/").rsplit("/", 1)[-1]
    if body.get("block_device_mapping") and not body.get("block_device_mapping_v2"):
        raise BadRequest("The legacy 'block_device_mapping' is not supported; use "
                         "'block_device_mapping_v2'.")
    block_devices, image = block_devices_schema.parse(body.get("block_device_mapping_v2"), image)
    user_data = body.get("user_data")
    if user_data is not None:
        if not isinstance(user_data, str) or len(user_data) > 65535:
            raise ValidationError(field="user_data", reason="must be a base64 string")
        try:
            base64.b64decode(user_data, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("User data needs to be valid base 64.") from None
    groups = body.get("security_groups") or []
    if not isinstance(groups, list) or not all(
            isinstance(g, dict) and isinstance(g.get("name"), str) for g in groups):
        raise ValidationError(field="security_groups", reason="must be a list of {'name': ...}")
    for field in ("min_count", "max_count"):
        count = common.integer(body, field, minimum=1, default=1)
        if count != 1:
            raise BadRequest("Creating more than one server per request is not supported yet.")
    tags: list[str] = []
    if "tags" in body:
        if not version_at_least("2.52"):
            raise ValidationError(field="server", reason="Additional properties are not allowed "
                                  "('tags' was unexpected)")
        tags = check_tags(body["tags"])
    description = None
    if "description" in body:
        if not version_at_least("2.19"):
            raise ValidationError(field="server", reason="Additional properties are not allowed "
                                  "('description' was unexpected)")
        description = common.string(body, "description", max_len=255, nullable=True)
    return {
        "name": name, "flavor_ref": str(flavor), "image_ref": image,
        "block_devices": block_devices,
        "networks": _networks(body.get("networks"), version_at_least("2.37")),
        "key_name": common.string(body, "key_name", nullable=True),
        "metadata": common.metadata(body.get("metadata") or {}),
        "user_data": user_data,
        "security_groups": [{"name": g["name"]} for g in groups],
        "availability_zone": common.string(body, "availability_zone", nullable=True),
        "access_ipv4": common.string(body, "accessIPv4", nullable=True),
        "access_ipv6": common.string(body, "accessIPv6", nullable=True),
        "config_drive": common.boolean(body, "config_drive", default=False),
        "description": description, "tags": tags,
        "admin_pass": common.string(body, "adminPass", nullable=True),
    }


@dataclass
class ViewContext:
    """What shaping a server needs to know about the request."""

    base_url: str
    at_least: Any
    is_admin: bool
    show_extended: bool
    show_host_status: bool
    host_up: Any = None


def links(base_url: str, kind: str, ident: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{base_url}/v2.1/{kind}/{ident}"},
            {"rel": "bookmark", "href": f"{base_url}/{kind}/{ident}"}]


def summary(view: ViewContext, row: Instance) -> dict[str, Any]:
    return {"id": row.uuid, "name": row.name, "links": links(view.base_url, "servers", row.uuid)}


def _flavor(view: ViewContext, row: Instance) -> dict[str, Any]:
    flavor = row.flavor or {}
    if not view.at_least("2.47"):
        return {"id": row.flavor_id, "links": [
            {"rel": "bookmark", "href": f"{view.base_url}/flavors/{row.flavor_id}"}]}
    shaped = {"vcpus": flavor.get("vcpus"), "ram": flavor.get("ram"), "disk": flavor.get("disk"),
              "ephemeral": flavor.get("ephemeral", 0), "swap": flavor.get("swap", 0),
              "original_name": flavor.get("name")}
    shaped["extra_specs"] = dict(flavor.get("extra_specs") or {})
    return shaped


def host_id(row: Instance) -> str:
    if not row.host:
        return ""
    return hashlib.sha224((row.project_id + row.host).encode()).hexdigest()


def detail(view: ViewContext, row: Instance, bdms: list[VolumeAttachment]) -> dict[str, Any]:
    """The full server, as ``GET /servers/{id}`` and ``/servers/detail`` show it."""
    at = view.at_least
    status = status_of(row.vm_state, row.task_state)
    server: dict[str, Any] = {
        "id": row.uuid, "name": row.name, "status": status, "tenant_id": row.project_id,
        "user_id": row.user_id, "metadata": dict(row.metadata_items or {}),
        "hostId": host_id(row),
        "image": "" if not row.image_ref else {"id": row.image_ref, "links": [
            {"rel": "bookmark", "href": f"{view.base_url}/images/{row.image_ref}"}]},
        "flavor": _flavor(view, row),
        "created": iso(row.created_at), "updated": iso(row.updated_at),
        "addresses": networking.addresses(list(row.ports or [])),
        "accessIPv4": row.access_ipv4 or "", "accessIPv6": row.access_ipv6 or "",
        "links": links(view.base_url, "servers", row.uuid),
        "OS-DCF:diskConfig": "MANUAL",
        "progress": 100 if status == "ACTIVE" else 0,
        "OS-EXT-AZ:availability_zone": row.availability_zone or "nova",
        "config_drive": row.config_drive or "",
        "key_name": row.key_name,
        "OS-SRV-USG:launched_at": row.launched_at.strftime("%Y-%m-%dT%H:%M:%S.000000")
        if row.launched_at else None,
        "OS-SRV-USG:terminated_at": None,
        "OS-EXT-STS:task_state": row.task_state, "OS-EXT-STS:vm_state": row.vm_state,
        "OS-EXT-STS:power_state": row.power_state,
        "os-extended-volumes:volumes_attached": [
            {"id": b.volume_id, "delete_on_termination": b.delete_on_termination}
            if at("2.3") else {"id": b.volume_id} for b in bdms],
        "security_groups": [{"name": g.get("name")} for g in row.security_groups or []],
    }
    if not server["security_groups"]:
        del server["security_groups"]
    if view.show_extended:
        server.update({"OS-EXT-SRV-ATTR:host": row.host,
                       "OS-EXT-SRV-ATTR:hypervisor_hostname": row.node,
                       "OS-EXT-SRV-ATTR:instance_name": f"instance-{row.id:08x}"})
        if at("2.3"):
            server.update({"OS-EXT-SRV-ATTR:reservation_id": row.reservation_id,
                           "OS-EXT-SRV-ATTR:launch_index": 0,
                           "OS-EXT-SRV-ATTR:hostname": row.hostname,
                           "OS-EXT-SRV-ATTR:kernel_id": "", "OS-EXT-SRV-ATTR:ramdisk_id": "",
                           "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                           "OS-EXT-SRV-ATTR:user_data": row.user_data})
    elif at("2.90"):
        server["OS-EXT-SRV-ATTR:hostname"] = row.hostname
    if at("2.9"):
        server["locked"] = bool(row.locked)
    if at("2.16") and view.show_host_status:
        server["host_status"] = _host_status(view, row)
    if at("2.19"):
        server["description"] = row.description
    if at("2.26"):
        server["tags"] = list(row.tags or [])
    if at("2.63"):
        server["trusted_image_certificates"] = None
    if at("2.73"):
        server["locked_reason"] = row.locked_reason
    if at("2.96"):
        server["pinned_availability_zone"] = None
    if row.fault and status in ("ERROR", "DELETED"):
        fault = {"code": row.fault.get("code", 500), "created": row.fault.get("created"),
                 "message": row.fault.get("message", "")}
        if view.is_admin and fault["code"] >= 500 and row.fault.get("details"):
            fault["details"] = row.fault["details"]
        server["fault"] = fault
    return server


def _host_status(view: ViewContext, row: Instance) -> str:
    if not row.host or view.host_up is None:
        return ""
    return "UP" if view.host_up(row.host) else "DOWN"


def created(view: ViewContext, row: Instance, admin_pass: str | None) -> dict[str, Any]:
    """The 202 body of ``POST /servers``."""
    return {"id": row.uuid, "links": links(view.base_url, "servers", row.uuid),
            "OS-DCF:diskConfig": "MANUAL",
            "security_groups": [{"name": g.get("name")} for g in row.security_groups or []],
            "adminPass": admin_pass or secrets.token_urlsafe(9)}


def volume_attachment(at_least: Any, bdm: VolumeAttachment) -> dict[str, Any]:
    body: dict[str, Any] = {"device": bdm.device_name, "serverId": bdm.instance_uuid,
                            "volumeId": bdm.volume_id}
    if not at_least("2.89"):
        body["id"] = bdm.volume_id
    if at_least("2.70"):
        body["tag"] = bdm.tag
    if at_least("2.79"):
        body["delete_on_termination"] = bool(bdm.delete_on_termination)
    if at_least("2.89"):
        body["attachment_id"] = bdm.attachment_id
        body["bdm_uuid"] = bdm.id
    return body


def interface(at_least: Any, port: dict[str, Any]) -> dict[str, Any]:
    body = {"port_id": port["port_id"], "net_id": port["net_id"], "mac_addr": port.get("mac", ""),
            "port_state": port.get("status", "ACTIVE"),
            "fixed_ips": [{"ip_address": ip.get("ip_address"), "subnet_id": ip.get("subnet_id")}
                          for ip in port.get("fixed_ips", [])]}
    if at_least("2.70"):
        body["tag"] = port.get("tag")
    return body
