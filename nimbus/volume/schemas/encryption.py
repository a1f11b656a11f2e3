"""Encryption types (``/types/{id}/encryption``) and a volume's encryption metadata."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema

_FIELDS: dict[str, Schema] = {
    "provider": {"type": "string", "minLength": 0, "maxLength": 255},
    "cipher": {"type": ["string", "null"], "minLength": 0, "maxLength": 255},
    "key_size": {"type": ["integer", "null"], "minimum": 0},
    "control_location": {"type": "string", "enum": ["front-end", "back-end"]},
}


def _body(required: list[str]) -> Schema:
    return {
        "type": "object",
        "properties": {
            "encryption": {
                "type": "object",
                "properties": _FIELDS,
                "required": required,
                "additionalProperties": False,
            },
        },
        "required": ["encryption"],
        "additionalProperties": False,
    }


CREATE: Schema = _body(["provider"])
UPDATE: Schema = _body([])

# Every field an encryption type shows, in Cinder's order.
SHOWN = ("volume_type_id", "encryption_id", "provider", "cipher", "key_size",
         "control_location", "created_at", "updated_at")


def view(encryption: dict[str, Any] | None) -> dict[str, Any]:
    """The type's encryption as Cinder shows it; ``{}`` for a type without one."""
    if not encryption:
        return {}
    return {**{k: encryption.get(k) for k in SHOWN}, "deleted": False, "deleted_at": None}


def created(encryption: dict[str, Any]) -> dict[str, Any]:
    return {k: encryption.get(k) for k in ("volume_type_id", "encryption_id", "provider",
                                            "cipher", "key_size", "control_location")}


def metadata(volume: dict[str, Any]) -> dict[str, Any]:
    """Cinder's volume encryption metadata: the key id, and the type's encryption."""
    body: dict[str, Any] = {"encryption_key_id": volume.get("encryption_key_id")}
    body.update({k: v for k, v in (volume.get("encryption") or {}).items()
                 if k != "encryption_key_id"})
    return body
