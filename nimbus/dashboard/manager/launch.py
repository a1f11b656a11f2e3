"""Launching instances from the dashboard: what the form offers (read as the user) and the
create request it makes, as Horizon's launch wizard does.

The flavors are checked against what is left of the project's compute quota for the count
asked, so the form says which fit before the request is refused.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from nimbus.clients.user_session import UserSession
from nimbus.core.errors import NimbusError
from nimbus.dashboard.schemas.forms import LaunchForm

MICROVERSION = {"OpenStack-API-Version": "compute 2.67"}


@dataclass
class Choices:
    images: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    flavors: list[dict[str, Any]] = field(default_factory=list)
    networks: list[dict[str, Any]] = field(default_factory=list)
    security_groups: list[dict[str, Any]] = field(default_factory=list)
    key_pairs: list[str] = field(default_factory=list)
    server_groups: list[dict[str, Any]] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    #: what is left of the compute quota: instances, cores, ram (None: no limit)
    room: dict[str, int | None] = field(default_factory=dict)


def _try(call: Any, default: Any) -> Any:
    try:
        return call()
    except (NimbusError, KeyError, TypeError):
        return default


def _room(absolute: dict[str, Any]) -> dict[str, int | None]:
    room: dict[str, int | None] = {}
    for name, used, limit in (("instances", "totalInstancesUsed", "maxTotalInstances"),
                              ("cores", "totalCoresUsed", "maxTotalCores"),
                              ("ram", "totalRAMUsed", "maxTotalRAMSize")):
        cap = int(absolute.get(limit, -1))
        room[name] = None if cap < 0 else max(0, cap - int(absolute.get(used, 0)))
    return room


def fits(flavor: dict[str, Any], room: dict[str, int | None], count: int) -> bool:
    """Whether ``count`` servers of ``flavor`` fit in what is left of the quota."""
    needs = {"instances": count, "cores": count * int(flavor.get("vcpus", 0)),
             "ram": count * int(flavor.get("ram", 0))}
    return all(room.get(k) is None or needs[k] <= (room[k] or 0) for k in needs)


def choices(user: UserSession) -> Choices:
    project = user.scoped.project_id
    found = Choices()
    found.images = _try(lambda: [i for i in user.get("image", "/v2/images?status=active&"
                                                     "limit=200")["images"]], [])
    found.volumes = _try(lambda: [v for v in user.get("volumev3", "/volumes/detail")["volumes"]
                                  if v.get("status") == "available"], [])
    found.snapshots = _try(lambda: [s for s in user.get("volumev3", "/snapshots/detail")[
        "snapshots"] if s.get("status") == "available"], [])
    found.flavors = _try(lambda: sorted(user.get("compute", "/flavors/detail")["flavors"],
                                        key=lambda f: (f.get("ram", 0), f.get("name", ""))), [])
    found.networks = _try(lambda: [n for n in user.get("network", "/v2.0/networks")["networks"]
                                   if not n.get("router:external") or n.get("shared")], [])
    found.security_groups = _try(lambda: [g for g in user.get(
        "network", f"/v2.0/security-groups?project_id={project}")["security_groups"]], [])
    found.key_pairs = _try(lambda: [k["keypair"]["name"] for k in user.get(
        "compute", "/os-keypairs")["keypairs"]], [])
    found.server_groups = _try(lambda: user.get("compute", "/os-server-groups")[
        "server_groups"], [])
    found.zones = _try(lambda: [z["zoneName"] for z in user.get(
        "compute", "/os-availability-zone")["availabilityZoneInfo"]
        if z.get("zoneState", {}).get("available")], [])
    found.room = _try(lambda: _room(user.get("compute", "/limits")["limits"]["absolute"]), {})
    return found


def launch(user: UserSession, form: LaunchForm) -> list[str]:
    """Create the servers the form asks for; their ids (one, or the reservation's first)."""
    if form.import_key and form.key_name:
        user.request("compute", "POST", "/os-keypairs",
                     {"keypair": {"name": form.key_name, "public_key": form.import_key}},
                     headers={"OpenStack-API-Version": "compute 2.2"})
    server: dict[str, Any] = {
        "name": form.name, "flavorRef": form.flavor, "min_count": form.count,
        "max_count": form.count,
        "networks": [{"uuid": n} for n in form.networks] or "auto",
        "security_groups": [{"name": g} for g in form.security_groups] or None,
        "config_drive": form.config_drive,
    }
    if form.source_type == "image":
        server["imageRef"] = form.source
    else:
        server["block_device_mapping_v2"] = [{
            "boot_index": 0, "uuid": form.source, "destination_type": "volume",
            "source_type": "volume" if form.source_type == "volume" else "snapshot",
            "delete_on_termination": False}]
    if form.key_name:
        server["key_name"] = form.key_name
    if form.user_data:
        server["user_data"] = base64.b64encode(form.user_data.encode()).decode()
    if form.zone:
        server["availability_zone"] = form.zone
    body: dict[str, Any] = {"server": {k: v for k, v in server.items() if v is not None}}
    if form.server_group:
        body["os:scheduler_hints"] = {"group": form.server_group}
    created = user.request("compute", "POST", "/servers", body, headers=MICROVERSION)
    made = (created or {}).get("server", {})
    return [made["id"]] if "id" in made else []
