"""Flavor access: the grant and revoke actions, and the access list as Nova shows it."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema

_TENANT: Schema = {"type": "object",
                   "properties": {"tenant": {"type": "string", "minLength": 1,
                                             "maxLength": 255}},
                   "required": ["tenant"], "additionalProperties": False}
# One action per body; an action this API does not know passes and is refused by its handler.
ACTION: Schema = {"type": "object", "minProperties": 1, "maxProperties": 1,
                  "properties": {"addTenantAccess": _TENANT, "removeTenantAccess": _TENANT}}


def access_list(flavorid: str, projects: list[str]) -> dict[str, Any]:
    return {"flavor_access": [{"flavor_id": flavorid, "tenant_id": p} for p in projects]}
