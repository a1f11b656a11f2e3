"""Keypair requests and responses per microversion."""

from __future__ import annotations

from typing import Any

from nimbus.compute.db.models import KeyPair
from nimbus.compute.schemas.common import AtLeast, body_of, with_properties, with_required, without_nul
from nimbus.core.api import validation
from nimbus.core.api.validation import LIMIT, MARKER, Schema
from nimbus.core.db.base import iso_micro

_KEYPAIR: Schema = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255,
                 "pattern": "^[a-zA-Z0-9 _-]+$"},
        "public_key": {"type": ["string", "null"], "maxLength": 65535},
    },
    "required": ["name"],
    "additionalProperties": False,
}
_KEYPAIR_22 = with_properties(_KEYPAIR, type={"type": "string", "enum": ["ssh", "x509"]})
_KEYPAIR_210 = with_properties(_KEYPAIR_22, user_id={"type": "string", "maxLength": 255})
# 2.92: names may hold "@" and "."; keys are imported, never generated.
_KEYPAIR_292 = with_required(with_properties(
    _KEYPAIR_210,
    name={"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[a-zA-Z0-9 @._-]+$"},
    public_key={"type": "string", "minLength": 1, "maxLength": 65535},
), "public_key")

CREATE = validation.versioned(
    ("2.1", body_of("keypair", _KEYPAIR)),
    ("2.2", body_of("keypair", _KEYPAIR_22)),
    ("2.10", body_of("keypair", _KEYPAIR_210)),
    ("2.92", body_of("keypair", _KEYPAIR_292)),
)
# ``limit``/``marker`` from 2.35, ``user_id`` (administrators) from 2.10.
LIST_QUERY = without_nul(validation.query({"limit": LIMIT, "marker": MARKER,
                                           "user_id": {"type": "string", "maxLength": 255}}))
USER_QUERY = without_nul(validation.query({"user_id": {"type": "string", "maxLength": 255}}))


def short(at_least: AtLeast, row: KeyPair) -> dict[str, Any]:
    body: dict[str, Any] = {"name": row.name, "public_key": row.public_key,
                            "fingerprint": row.fingerprint}
    if at_least("2.2"):
        body["type"] = row.type
    return body


def full(at_least: AtLeast, row: KeyPair) -> dict[str, Any]:
    body = short(at_least, row)
    body.update({"user_id": row.user_id, "id": row.id, "created_at": iso_micro(row.created_at),
                 "updated_at": None, "deleted_at": None, "deleted": False})
    return body
