"""Flavor requests and responses per microversion."""

from __future__ import annotations

from typing import Any

from nimbus.compute.db.models import Flavor
from nimbus.compute.schemas.common import (
    BOOLEAN,
    MAX_INT,
    NAME,
    NON_NEGATIVE_INTEGER,
    POSITIVE_INTEGER,
    QUERY_INTEGER,
    AtLeast,
    body_of,
    links,
    with_properties,
    without_nul,
)
from nimbus.core.api import validation
from nimbus.core.api.validation import LIMIT, MARKER, Schema

# Ephemeral disk and swap: a non-negative integer, or nothing (0).
_OPTIONAL_SIZE: Schema = {"type": ["integer", "string", "null"], "pattern": "^[0-9]*$",
                          "minimum": 0, "maximum": MAX_INT}
_DESCRIPTION: Schema = {"type": ["string", "null"], "maxLength": 65535}

_FLAVOR: Schema = {
    "type": "object",
    "properties": {
        "name": NAME,
        # Letters, digits, ". _-", not starting or ending with a space; or made up if absent.
        "id": {"type": ["string", "integer", "null"], "minLength": 1, "maxLength": 255,
               "pattern": "^(?! )[a-zA-Z0-9. _-]+(?<! )$"},
        "ram": POSITIVE_INTEGER,
        "vcpus": POSITIVE_INTEGER,
        "disk": NON_NEGATIVE_INTEGER,
        "OS-FLV-EXT-DATA:ephemeral": _OPTIONAL_SIZE,
        "swap": _OPTIONAL_SIZE,
        "rxtx_factor": {"type": "number", "exclusiveMinimum": 0},
        "os-flavor-access:is_public": BOOLEAN,
    },
    "required": ["name", "ram", "vcpus", "disk"],
    "additionalProperties": False,
}
CREATE = validation.versioned(
    ("2.1", body_of("flavor", _FLAVOR)),
    ("2.55", body_of("flavor", with_properties(_FLAVOR, description=_DESCRIPTION))),
)
# 2.55: only the description of a flavor changes.
UPDATE = body_of("flavor", {"type": "object", "properties": {"description": _DESCRIPTION},
                            "required": ["description"], "additionalProperties": False})

# Extra specs: string keys, string or number values (numbers are kept as strings).
EXTRA_SPECS: Schema = {"type": "object",
                       "propertyNames": {"minLength": 1, "maxLength": 255},
                       "additionalProperties": {"type": ["string", "number"]}}
EXTRA_SPECS_BODY = body_of("extra_specs", EXTRA_SPECS)

# Nova's flavor sort keys; those without a column here sort by id.
SORT_KEYS = ["created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id",
             "is_public", "memory_mb", "name", "root_gb", "rxtx_factor", "swap", "updated_at",
             "vcpu_weight", "vcpus"]
LIST_QUERY = without_nul(validation.query({
    "limit": LIMIT, "marker": MARKER,
    "sort_key": {"type": "string", "enum": SORT_KEYS},
    "sort_dir": {"type": "string", "enum": ["asc", "desc"]},
    # "true", "false" or "none" (both), for administrators; anything else means false.
    "is_public": {"type": "string", "maxLength": 255},
    "minRam": QUERY_INTEGER,
    "minDisk": QUERY_INTEGER,
}))


def summary(base_url: str, at_least: AtLeast, flavor: Flavor) -> dict[str, Any]:
    body: dict[str, Any] = {"id": flavor.flavorid, "name": flavor.name,
                            "links": links(base_url, "flavors", flavor.flavorid)}
    if at_least("2.55"):
        body["description"] = flavor.description
    return body


def detail(base_url: str, at_least: AtLeast, flavor: Flavor, show_specs: bool) -> dict[str, Any]:
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
