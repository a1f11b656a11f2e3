"""``POST /os-server-external-events``: the events each microversion knows."""

from __future__ import annotations

from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

_BASE_NAMES = ["network-changed", "network-vif-plugged", "network-vif-unplugged",
               "network-vif-deleted"]
# The microversion that added each later event name.
_ADDED = [("2.51", "volume-extended"), ("2.76", "power-update"),
          ("2.82", "accelerator-request-bound"), ("2.93", "volume-reimaged")]


def _body(names: list[str]) -> Schema:
    event: Schema = {
        "type": "object",
        "properties": {
            "server_uuid": {"type": "string", "format": "uuid"},
            "name": {"type": "string", "enum": names},
            "status": {"type": "string", "enum": ["failed", "completed", "in-progress"]},
            "tag": {"type": "string", "maxLength": 255},
        },
        "required": ["server_uuid", "name"],
        "additionalProperties": False,
    }
    return {"type": "object",
            "properties": {"events": {"type": "array", "minItems": 1, "items": event}},
            "required": ["events"], "additionalProperties": False}


def _versions() -> list[tuple[str, Schema]]:
    names = list(_BASE_NAMES)
    found = [("2.1", _body(list(names)))]
    for version, name in _ADDED:
        names.append(name)
        found.append((version, _body(list(names))))
    return found


CREATE = validation.versioned(*_versions())
