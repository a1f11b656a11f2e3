"""Request and response shapes of ``/v3/registered_limits`` and ``/v3/limits``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import ID, NULLABLE_ID, string
from nimbus.identity.db.models import Limit, RegisteredLimit
from nimbus.identity.schemas.requests import wrap

_LIMIT_VALUE: dict[str, Any] = {"type": "integer", "minimum": -1, "maximum": 2147483647}
_DESCRIPTION = string(255, nullable=True)

REGISTERED_CREATE: dict[str, Any] = {
    "type": "array", "minItems": 1,
    "items": {"type": "object",
              "properties": {"service_id": ID, "region_id": NULLABLE_ID,
                             "resource_name": string(255, 1), "default_limit": _LIMIT_VALUE,
                             "description": _DESCRIPTION},
              "required": ["service_id", "resource_name", "default_limit"],
              "additionalProperties": False},
}
REGISTERED_UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"service_id": ID, "region_id": NULLABLE_ID, "resource_name": string(255, 1),
                   "default_limit": _LIMIT_VALUE, "description": _DESCRIPTION},
    "minProperties": 1, "additionalProperties": False,
}
LIMIT_CREATE: dict[str, Any] = {
    "type": "array", "minItems": 1,
    "items": {"type": "object",
              "properties": {"project_id": NULLABLE_ID, "domain_id": NULLABLE_ID,
                             "service_id": ID, "region_id": NULLABLE_ID,
                             "resource_name": string(255, 1), "resource_limit": _LIMIT_VALUE,
                             "description": _DESCRIPTION},
              "required": ["service_id", "resource_name", "resource_limit"],
              "additionalProperties": False},
}
LIMIT_UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"resource_limit": _LIMIT_VALUE, "description": _DESCRIPTION},
    "minProperties": 1, "additionalProperties": False,
}

REGISTERED_CREATE_BODY = wrap("registered_limits", REGISTERED_CREATE)
REGISTERED_UPDATE_BODY = wrap("registered_limit", REGISTERED_UPDATE)
LIMIT_CREATE_BODY = wrap("limits", LIMIT_CREATE)
LIMIT_UPDATE_BODY = wrap("limit", LIMIT_UPDATE)


def registered(base: str, r: RegisteredLimit) -> dict[str, Any]:
    return {"id": r.id, "service_id": r.service_id, "region_id": r.region_id,
            "resource_name": r.resource_name, "default_limit": r.default_limit,
            "description": r.description,
            "links": {"self": f"{base}/v3/registered_limits/{r.id}"}}


def limit(base: str, r: Limit) -> dict[str, Any]:
    return {"id": r.id, "project_id": r.project_id, "domain_id": r.domain_id,
            "service_id": r.service_id, "region_id": r.region_id,
            "resource_name": r.resource_name, "resource_limit": r.resource_limit,
            "description": r.description, "links": {"self": f"{base}/v3/limits/{r.id}"}}
