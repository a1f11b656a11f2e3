"""``os-services``: the list's query, the update bodies per microversion, and the service as
the API shows it."""

from __future__ import annotations

from typing import Any

from nimbus.compute.db.services import Service
from nimbus.compute.schemas.aggregates import HOST
from nimbus.compute.schemas.common import BOOLEAN, AtLeast, without_nul
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema
from nimbus.core.db.base import iso_micro

LIST_QUERY = without_nul(validation.query({"host": {"type": "string", "maxLength": 255},
                                           "binary": {"type": "string", "maxLength": 255}}))

_REASON: Schema = {"type": "string", "minLength": 1, "maxLength": 255}
_BINARY: Schema = {"type": "string", "minLength": 1, "maxLength": 255}
# Before 2.53 the service is named in the body, the action in the path.
_UPDATE: Schema = {
    "type": "object",
    "properties": {"host": HOST, "binary": _BINARY, "disabled_reason": _REASON},
    "required": ["host", "binary"],
    "additionalProperties": False,
}
_UPDATE_211: Schema = {**_UPDATE, "properties": {**_UPDATE["properties"],
                                                 "forced_down": BOOLEAN}}
# From 2.53 the path names the service by UUID and the body says what changes.
_UPDATE_253: Schema = {
    "type": "object",
    "properties": {"status": {"type": "string", "enum": ["enabled", "disabled"]},
                   "disabled_reason": _REASON, "forced_down": BOOLEAN},
    "additionalProperties": False,
}
UPDATE = validation.versioned(("2.1", _UPDATE), ("2.11", _UPDATE_211), ("2.53", _UPDATE_253))


def view(service: Service, at_least: AtLeast) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": service.uuid if at_least("2.53") else service.id,
        "binary": service.binary, "host": service.host, "zone": service.zone,
        "status": "disabled" if service.disabled else "enabled",
        "state": "up" if service.up else "down",
        "updated_at": iso_micro(service.updated_at),
        "disabled_reason": service.disabled_reason,
    }
    if at_least("2.11"):
        body["forced_down"] = service.forced_down
    return body
