"""Flavor requests and responses per microversion."""

from __future__ import annotations

import re
from typing import Any

from nimbus.compute.db.models import Flavor
from nimbus.compute.schemas import common
from nimbus.compute.schemas.servers import links
from nimbus.core.errors import ValidationError

CREATE_KEYS = {"name", "ram", "vcpus", "disk", "id", "OS-FLV-EXT-DATA:ephemeral", "swap",
               "rxtx_factor", "os-flavor-access:is_public", "description"}
ID_RE = re.compile(r"^(?! )[a-zA-Z0-9. _-]+(?<! )$")


def parse_create(body: dict[str, Any], at_least: Any) -> dict[str, Any]:
    allowed = set(CREATE_KEYS) if at_least("2.55") else CREATE_KEYS - {"description"}
    common.no_extra(body, allowed, "flavor")
    name = common.string(body, "name", required=True, min_len=1)
    if name is not None and name.strip() != name:
        raise ValidationError(field="name", reason="leading or trailing whitespace")
    flavorid = body.get("id")
    if flavorid is not None:
        if isinstance(flavorid, bool) or not isinstance(flavorid, str | int):
            raise ValidationError(field="id", reason=f"{flavorid!r} is not of type 'string'")
        flavorid = str(flavorid)
        if not ID_RE.match(flavorid) or len(flavorid) > 255:
            raise ValidationError(field="id", reason=f"{flavorid!r} does not match the flavor id "
                                  "pattern")
    rxtx = body.get("rxtx_factor", 1.0)
    if isinstance(rxtx, bool) or not isinstance(rxtx, int | float) or rxtx <= 0:
        raise ValidationError(field="rxtx_factor", reason=f"{rxtx!r} is not a positive number")
    return {
        "name": name, "flavorid": flavorid,
        "memory_mb": common.integer(body, "ram", required=True, minimum=1),
        "vcpus": common.integer(body, "vcpus", required=True, minimum=1),
        "root_gb": common.integer(body, "disk", required=True, minimum=0),
        "ephemeral_gb": common.integer(body, "OS-FLV-EXT-DATA:ephemeral", default=0),
        "swap": common.integer(body, "swap", default=0),
        "rxtx_factor": float(rxtx),
        "is_public": common.boolean(body, "os-flavor-access:is_public", default=True),
        "description": common.string(body, "description", max_len=65535, nullable=True),
    }


def summary(base_url: str, at_least: Any, flavor: Flavor) -> dict[str, Any]:
    body: dict[str, Any] = {"id": flavor.flavorid, "name": flavor.name,
                            "links": links(base_url, "flavors", flavor.flavorid)}
    if at_least("2.55"):
        body["description"] = flavor.description
    return body


def detail(base_url: str, at_least: Any, flavor: Flavor, show_specs: bool) -> dict[str, Any]:
    body = summary(base_url, at_least, flavor)
    body.update({
        "ram": flavor.memory_mb, "vcpus": flavor.vcpus, "disk": flavor.root_gb,
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral_gb,
        # Before 2.75 a flavor without swap says "" rather than 0.
        "swap": flavor.swap if (flavor.swap or at_least("2.75")) else "",
        "rxtx_factor": flavor.rxtx_factor,
        "os-flavor-access:is_public": flavor.is_public,
        "OS-FLV-DISABLED:disabled": flavor.disabled,
    })
    if at_least("2.61") and show_specs:
        body["extra_specs"] = dict(flavor.extra_specs or {})
    return body


def extra_specs(body: Any) -> dict[str, str]:
    if not isinstance(body, dict):
        raise ValidationError(field="extra_specs", reason=f"{body!r} is not of type 'object'")
    result: dict[str, str] = {}
    for key, value in body.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 255:
            raise ValidationError(field="extra_specs", reason=f"invalid key {key!r}")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationError(field=key, reason=f"{value!r} is not of type 'string'")
        result[key] = str(value)
    return result
