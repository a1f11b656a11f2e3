"""Query parameters of Placement's read routes.

Every value is a string as Placement's own query schemas have it: the resource, trait and
aggregate expressions (``VCPU:2,MEMORY_MB:512``, ``in:A,B``, ``!CUSTOM_X``) are read by the API,
which also turns away parameters the negotiated microversion does not know yet and suffixed
request groups (``resources1``...), which a fixed list of names cannot declare.
"""

from __future__ import annotations

from nimbus.core.api import validation
from nimbus.core.api.validation import Schema

_TEXT: Schema = {"type": "string"}
# Repeatable from 1.24: each value is one more any-of the provider must meet.
_REPEATED: Schema = {"type": "array", "items": _TEXT}

PROVIDERS = validation.query({
    "name": _TEXT, "uuid": _TEXT, "member_of": _REPEATED, "resources": _TEXT,
    "in_tree": _TEXT, "required": _TEXT,
})

CANDIDATES = validation.query({
    "resources": _TEXT, "required": _TEXT, "member_of": _REPEATED, "in_tree": _TEXT,
    "limit": {"type": "string", "pattern": "^[1-9][0-9]*$"},
    "group_policy": {"type": "string", "enum": ["none", "isolate"]},
    "root_required": _TEXT, "same_subtree": _REPEATED,
})

TRAITS = validation.query({"name": _TEXT, "associated": _TEXT})

USAGES = validation.query({
    "project_id": {"type": "string", "minLength": 1, "maxLength": 255},
    "user_id": {"type": "string", "minLength": 1, "maxLength": 255},
    "consumer_type": _TEXT,
}, required=("project_id",))

ALL = [PROVIDERS, CANDIDATES, TRAITS, USAGES]
