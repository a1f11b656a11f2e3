"""Request schemas for policy blobs and endpoint groups."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import ID, string
from nimbus.identity.constants import INTERFACES
from nimbus.identity.schemas.requests import wrap

POLICY_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"type": string(255, 1), "blob": {"type": "string"}},
    "required": ["type", "blob"],
}
POLICY_UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"type": string(255, 1), "blob": {"type": "string"}},
    "minProperties": 1,
}
_FILTERS: dict[str, Any] = {
    "type": "object",
    "properties": {"interface": {"enum": list(INTERFACES)}, "service_id": ID,
                   "region_id": string(255, 1)},
    "additionalProperties": False,
    "minProperties": 1,
}
ENDPOINT_GROUP_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"name": string(255, 1), "description": string(4096, nullable=True),
                   "filters": _FILTERS},
    "required": ["name", "filters"],
}
ENDPOINT_GROUP_UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"name": string(255, 1), "description": string(4096, nullable=True),
                   "filters": _FILTERS},
    "minProperties": 1,
}

POLICY_CREATE_BODY = wrap("policy", POLICY_CREATE)
POLICY_UPDATE_BODY = wrap("policy", POLICY_UPDATE)
ENDPOINT_GROUP_CREATE_BODY = wrap("endpoint_group", ENDPOINT_GROUP_CREATE)
ENDPOINT_GROUP_UPDATE_BODY = wrap("endpoint_group", ENDPOINT_GROUP_UPDATE)
