"""Quota set requests."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema, query
from nimbus.volume.constants import PER_TYPE_QUOTAS, QUOTA_DEFAULTS
from nimbus.volume.schemas.common import QUERY_BOOLEAN

# A limit: -1 (unlimited) or more, as a number or its digits.
LIMIT: Schema = {"type": ["integer", "string"], "minimum": -1, "maximum": 2 ** 31 - 1,
                 "pattern": r"^\s*(-1|\+?[0-9]{1,10})\s*$"}

UPDATE: Schema = {
    "type": "object",
    "properties": {
        "quota_set": {
            "type": "object",
            "properties": {
                **{resource: LIMIT for resource in QUOTA_DEFAULTS},
                # Sent back by clients that echo a quota set; ignored.
                "id": {},
                "tenant_id": {},
            },
            # The per-type keys (``volumes_<type>``...), for the volume types there are.
            "patternProperties": {f"^({'|'.join(PER_TYPE_QUOTAS)})_.": LIMIT},
            "additionalProperties": False,
        },
    },
    "required": ["quota_set"],
}

SHOW_QUERY: Schema = query({"usage": QUERY_BOOLEAN})
# python-cinderclient sends ``skip_validation=False`` to have a limit below the project's usage
# refused; without it (Cinder's default) any limit is taken.
UPDATE_QUERY: Schema = query({"skip_validation": QUERY_BOOLEAN})
# The project a quota set belongs to: a Keystone id, at most 64 characters.
TARGET: Schema = {"type": "object", "properties": {
    "target_project": {"type": "string", "minLength": 1, "maxLength": 64}}}


def view(project_id: str, hard: dict[str, int], used: dict[str, int] | None,
         type_names: list[str]) -> dict[str, Any]:
    """A quota set: bare limits, or (``used`` given) limit, in_use, reserved and allocated of
    each; the per-type keys Cinder adds for every volume type have no limit unless set."""
    body: dict[str, Any] = {"id": project_id}
    keys = [key for key in hard if key in QUOTA_DEFAULTS]
    keys += [f"{res}_{name}" for name in type_names for res in PER_TYPE_QUOTAS]
    for key in keys:
        limit = hard.get(key, -1)
        body[key] = ({"limit": limit, "in_use": used.get(key, 0), "reserved": 0, "allocated": 0}
                     if used is not None else limit)
    return body
