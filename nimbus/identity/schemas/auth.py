"""The body of ``POST /v3/auth/tokens``, shaped as Keystone's token request.

Only the shape is checked here; which methods exist, who the references name and whether the
scope is allowed are the authenticator's to decide (a 401 or 404 there, never a 400).
"""

from __future__ import annotations

from nimbus.core.api.validation import Schema

_TEXT: Schema = {"type": "string"}
_REF: Schema = {"type": "object", "properties": {"id": _TEXT, "name": _TEXT}}
_PASSWORD: Schema = {
    "type": "object",
    "properties": {"user": {"type": "object", "properties": {
        "id": _TEXT, "name": _TEXT, "password": _TEXT, "domain": _REF}}},
}
_TOKEN: Schema = {"type": "object", "properties": {"id": _TEXT}, "required": ["id"]}
_SCOPE: Schema = {
    # "unscoped" as text; old keystoneauth sends {"unscoped": {}} instead.
    "type": ["object", "string"],
    "properties": {
        "project": {"type": "object", "properties": {"id": _TEXT, "name": _TEXT,
                                                     "domain": _REF}},
        "domain": _REF,
        "OS-TRUST:trust": {"type": "object", "properties": {"id": _TEXT}},
        "system": {"type": "object"},
    },
}
TOKEN_ISSUE_BODY: Schema = {
    "type": "object",
    "properties": {"auth": {
        "type": "object",
        "properties": {
            "identity": {
                "type": "object",
                "properties": {
                    "methods": {"type": "array", "items": _TEXT, "minItems": 1},
                    "password": _PASSWORD,
                    "token": _TOKEN,
                },
                "required": ["methods"],
            },
            "scope": _SCOPE,
        },
        "required": ["identity"],
    }},
    "required": ["auth"],
}
