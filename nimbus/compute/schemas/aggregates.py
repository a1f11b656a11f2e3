"""Host aggregate requests and the aggregate as each microversion shows it."""

from __future__ import annotations

from typing import Any

from nimbus.compute.db.aggregates import AggregateView
from nimbus.compute.schemas.common import NAME, AtLeast
from nimbus.core.api.validation import Schema
from nimbus.core.db.base import iso_micro

# An availability zone's name: as a name, and without ":" (which separates a forced host).
AZ_NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 255,
                   "pattern": r"^[^:\s](?:[^:]*[^:\s])?(?!\n)$"}
_ZONE: Schema = {"oneOf": [AZ_NAME, {"type": "null"}]}
# Updates take a name with spaces around it (and drop them), as Nova's schema has always done.
_LOOSE_NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 255,
                       "pattern": r"\S"}
# A host as the services table names one: letters, digits, "-", "." and "_".
HOST: Schema = {"type": "string", "minLength": 1, "maxLength": 255,
                "pattern": "^[a-zA-Z0-9-._]*$"}
_METADATA_WITH_NULL: Schema = {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {"type": ["string", "null"],
                                                        "maxLength": 255}},
    "additionalProperties": False,
}


def _envelope(key: str, inner: Schema) -> Schema:
    return {"type": "object", "properties": {key: inner}, "required": [key],
            "additionalProperties": False}


CREATE = _envelope("aggregate", {
    "type": "object",
    "properties": {"name": NAME, "availability_zone": _ZONE},
    "required": ["name"],
    "additionalProperties": False,
})
UPDATE = _envelope("aggregate", {
    "type": "object",
    "properties": {"name": _LOOSE_NAME, "availability_zone": _ZONE},
    "additionalProperties": False,
    "anyOf": [{"required": ["name"]}, {"required": ["availability_zone"]}],
})


_HOST_ACTION: Schema = {"type": "object", "properties": {"host": HOST}, "required": ["host"],
                        "additionalProperties": False}


# One action per body; an action this API does not know passes and is refused by its handler.
ACTION: Schema = {
    "type": "object", "minProperties": 1, "maxProperties": 1,
    "properties": {
        "add_host": _HOST_ACTION,
        "remove_host": _HOST_ACTION,
        "set_metadata": {"type": "object", "properties": {"metadata": _METADATA_WITH_NULL},
                         "required": ["metadata"], "additionalProperties": False},
    },
}


def view(aggregate: AggregateView, at_least: AtLeast, *, created: bool = False) -> dict[str, Any]:
    """The aggregate; the reply to a create leaves out its (empty) hosts and metadata."""
    body: dict[str, Any] = {
        "availability_zone": aggregate.availability_zone,
        "created_at": iso_micro(aggregate.created_at), "deleted": False, "deleted_at": None,
        "id": aggregate.id, "name": aggregate.name,
        "updated_at": iso_micro(aggregate.updated_at),
    }
    if not created:
        body["hosts"] = list(aggregate.hosts)
        body["metadata"] = dict(aggregate.metadata)
    if at_least("2.41"):
        body["uuid"] = aggregate.uuid
    return body
