"""``os-server-groups`` requests and responses by microversion, after Nova's own schemas."""

from __future__ import annotations

from typing import Any

from nimbus.compute.db.models import ServerGroup
from nimbus.compute.schemas.common import (
    MAX_INT,
    NAME,
    POSITIVE_INTEGER,
    AtLeast,
    body_of,
    without_nul,
)
from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

HARD_POLICIES = ["anti-affinity", "affinity"]
# The soft policies came in 2.15.
ALL_POLICIES = [*HARD_POLICIES, "soft-anti-affinity", "soft-affinity"]


def _policies(allowed: list[str]) -> Schema:
    """Before 2.64 the policy is a list holding exactly one name."""
    return {"type": "array", "prefixItems": [{"type": "string", "enum": allowed}],
            "items": False, "minItems": 1, "maxItems": 1, "uniqueItems": True}


def _group(properties: dict[str, Schema], required: list[str]) -> Schema:
    return {"type": "object", "properties": {"name": NAME, **properties},
            "required": ["name", *required], "additionalProperties": False}


_RULES: Schema = {"type": "object",
                  "properties": {"max_server_per_host": POSITIVE_INTEGER},
                  "additionalProperties": False}

CREATE = validation.versioned(
    ("2.1", body_of("server_group", _group({"policies": _policies(HARD_POLICIES)},
                                           ["policies"]))),
    ("2.15", body_of("server_group", _group({"policies": _policies(ALL_POLICIES)},
                                            ["policies"]))),
    ("2.64", body_of("server_group", _group({"policy": {"type": "string",
                                                        "enum": ALL_POLICIES},
                                             "rules": _RULES}, ["policy"]))),
)

_COUNT: Schema = {"type": "integer", "minimum": 0, "maximum": MAX_INT}
LIST_QUERY = without_nul(validation.query({
    "all_projects": {"type": "string", "maxLength": 255},
    "limit": _COUNT, "offset": _COUNT,
}))
# What the list takes from 2.75 on, when anything else is refused.
LIST_PARAMETERS = frozenset({"all_projects", "limit", "offset"})
GROUP_IN_PATH: Schema = {"type": "object",
                         "properties": {"group_id": {"type": "string", "maxLength": 255}}}


def view(at_least: AtLeast, row: ServerGroup, members: list[str]) -> dict[str, Any]:
    """The group as the request's microversion shows it: a one-item ``policies`` list and an
    always-empty ``metadata`` before 2.64, ``policy`` and ``rules`` from it; owners from 2.13."""
    body: dict[str, Any] = {"id": row.uuid, "name": row.name}
    if at_least("2.64"):
        body["policy"] = row.policy
        body["rules"] = dict(row.rules or {})
    else:
        body["policies"] = [row.policy]
        body["metadata"] = {}
    body["members"] = list(members)
    if at_least("2.13"):
        body["project_id"] = row.project_id
        body["user_id"] = row.user_id
    return body
