"""Servers as the API shows them, shaped per microversion as the compute API reference says."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nimbus.compute.constants import ROOT_DEVICE
from nimbus.compute.db.models import Instance, VolumeAttachment
from nimbus.compute.schemas.common import AtLeast, links
from nimbus.compute.states import status_of
from nimbus.core.db.base import iso


@dataclass
class ViewContext:
    """What shaping a server needs to know about the request."""

    base_url: str
    at_least: AtLeast
    is_admin: bool
    show_extended: bool
    show_host_status: bool
    # Whether a host's compute agent is up (for ``host_status``).
    host_up: Callable[[str], bool] | None = None
    # The availability zone a host is in (from the aggregates that define zones).
    zone_of: Callable[[str], str] | None = None


# The statuses whose servers show their ``progress``, as Nova's view does.
_PROGRESS_STATUSES = frozenset({"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE",
                                "MIGRATING"})


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


def disk_config(row: Instance) -> str:
    """``OS-DCF:diskConfig``."""
    return "AUTO" if row.auto_disk_config else "MANUAL"


def _image(view: ViewContext, row: Instance) -> dict[str, Any] | str:
    if not row.image_ref:
        return ""
    image: dict[str, Any] = {"id": row.image_ref, "links": [
        {"rel": "bookmark", "href": f"{view.base_url}/images/{row.image_ref}"}]}
    if view.at_least("2.98"):
        # What the server kept of its image's properties when it was built (or rebuilt).
        kept = ((row.request_spec or {}).get("image") or {}).get("properties") or {}
        image["properties"] = dict(kept)
    return image


def detail(view: ViewContext, row: Instance, bdms: list[VolumeAttachment],
           full: bool = True) -> dict[str, Any]:
    """The full server, as ``GET /servers/{id}`` and ``/servers/detail`` show it. Not
    ``full``: as an update answered before 2.75, without what the extensions added to a show
    (zone, config drive, key, usage times, states, volumes, security groups, extended
    attributes, host status, and the addresses' type and MAC)."""
    at = view.at_least
    status = status_of(row.vm_state, row.task_state)
    server: dict[str, Any] = {
        "id": row.uuid, "name": row.name, "status": status, "tenant_id": row.project_id,
        "user_id": row.user_id, "metadata": dict(row.metadata_items or {}),
        "hostId": host_id(row),
        "image": _image(view, row),
        "flavor": _flavor(view, row),
        "created": iso(row.created_at), "updated": iso(row.updated_at),
        "addresses": addresses(list(row.ports or []), extended=full),
        "accessIPv4": row.access_ipv4 or "", "accessIPv6": row.access_ipv6 or "",
        "links": links(view.base_url, "servers", row.uuid),
        "OS-DCF:diskConfig": disk_config(row),
    }
    if status in _PROGRESS_STATUSES:
        server["progress"] = 100 if status == "ACTIVE" else 0
    if full:
        _extend(view, row, bdms, server)
    elif at("2.90"):
        server["OS-EXT-SRV-ATTR:hostname"] = row.hostname
    if at("2.9"):
        server["locked"] = bool(row.locked)
    if full and at("2.16") and view.show_host_status:
        server["host_status"] = _host_status(view, row)
    if at("2.19"):
        server["description"] = row.description
    if at("2.26"):
        server["tags"] = list(row.tags or [])
    if at("2.63"):
        server["trusted_image_certificates"] = None
    if at("2.73"):
        server["locked_reason"] = row.locked_reason
    if full and at("2.96"):
        server["pinned_availability_zone"] = _requested_zone(row)
    if at("2.100"):
        server["scheduler_hints"] = scheduler_hints(row)
    if row.fault and status in ("ERROR", "DELETED"):
        fault = {"code": row.fault.get("code", 500), "created": row.fault.get("created"),
                 "message": row.fault.get("message", "")}
        if view.is_admin and fault["code"] >= 500 and row.fault.get("details"):
            fault["details"] = row.fault["details"]
        server["fault"] = fault
    return server


def scheduler_hints(row: Instance) -> dict[str, Any]:
    """The hints the server was created with, each a list as Nova keeps them (2.100)."""
    return dict((row.request_spec or {}).get("scheduler_hints") or {})


def _extend(view: ViewContext, row: Instance, bdms: list[VolumeAttachment],
            server: dict[str, Any]) -> None:
    """What a show adds to the plain server (once the extensions' attributes)."""
    at = view.at_least
    server.update({
        "OS-EXT-AZ:availability_zone": _zone(view, row),
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
    })
    groups = [{"name": g.get("name")} for g in row.security_groups or []]
    if groups:
        server["security_groups"] = groups
    if view.show_extended:
        server.update({"OS-EXT-SRV-ATTR:host": row.host,
                       "OS-EXT-SRV-ATTR:hypervisor_hostname": row.node,
                       "OS-EXT-SRV-ATTR:instance_name": f"instance-{row.id:08x}"})
        if at("2.3"):
            server.update({"OS-EXT-SRV-ATTR:reservation_id": row.reservation_id,
                           "OS-EXT-SRV-ATTR:launch_index": row.launch_index or 0,
                           "OS-EXT-SRV-ATTR:hostname": row.hostname,
                           "OS-EXT-SRV-ATTR:kernel_id": "", "OS-EXT-SRV-ATTR:ramdisk_id": "",
                           "OS-EXT-SRV-ATTR:root_device_name": ROOT_DEVICE,
                           "OS-EXT-SRV-ATTR:user_data": row.user_data})
    elif at("2.90"):
        server["OS-EXT-SRV-ATTR:hostname"] = row.hostname


def _requested_zone(row: Instance) -> str | None:
    return (row.request_spec or {}).get("availability_zone") or None


def _zone(view: ViewContext, row: Instance) -> str:
    """The zone of the server's host, as Nova shows it; before it has one, the zone asked for."""
    if row.host and view.zone_of is not None:
        return view.zone_of(row.host)
    return _requested_zone(row) or row.availability_zone or "nova"


def _host_status(view: ViewContext, row: Instance) -> str:
    if not row.host or view.host_up is None:
        return ""
    return "UP" if view.host_up(row.host) else "DOWN"


def created(view: ViewContext, row: Instance, admin_pass: str | None) -> dict[str, Any]:
    """The 202 body of ``POST /servers``."""
    return {"id": row.uuid, "links": links(view.base_url, "servers", row.uuid),
            "OS-DCF:diskConfig": disk_config(row),
            "security_groups": [{"name": g.get("name")} for g in row.security_groups or []],
            "adminPass": admin_pass or secrets.token_urlsafe(9)}


def interface(at_least: AtLeast, port: dict[str, Any]) -> dict[str, Any]:
    body = {"port_id": port["port_id"], "net_id": port["net_id"], "mac_addr": port.get("mac", ""),
            "port_state": port.get("status", "ACTIVE"),
            "fixed_ips": [{"ip_address": ip.get("ip_address"), "subnet_id": ip.get("subnet_id")}
                          for ip in port.get("fixed_ips", [])]}
    if at_least("2.70"):
        body["tag"] = port.get("tag")
    return body


def addresses(ports: list[dict[str, Any]],
              extended: bool = True) -> dict[str, list[dict[str, Any]]]:
    """The server's ``addresses``: fixed IPs grouped by network name; ``extended``, with
    each address's type and MAC."""
    result: dict[str, list[dict[str, Any]]] = {}
    for info in ports:
        entries = result.setdefault(info.get("net_name") or info["net_id"], [])
        found = [(ip.get("ip_address", ""), "fixed") for ip in info.get("fixed_ips", [])]
        found += [(fip, "floating") for fip in info.get("floating_ips", [])]
        for addr, kind in found:
            entry: dict[str, Any] = {"version": 6 if ":" in addr else 4, "addr": addr}
            if extended:
                entry.update({"OS-EXT-IPS:type": kind,
                              "OS-EXT-IPS-MAC:mac_addr": info.get("mac", "")})
            entries.append(entry)
    return result
