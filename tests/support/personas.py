"""Test personas: admin, member, reader and a member of another project, with fake tokens.

Unit and protection tests run a service in-process without the identity service: each persona's
token is a fixed string that the validator maps to a Keystone-shaped token body.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import NotFound

ADMIN_PROJECT = "a0000000000000000000000000000000"
PROJECT = "b0000000000000000000000000000000"
OTHER_PROJECT = "c0000000000000000000000000000000"

_PERSONAS: dict[str, tuple[str, str, list[str]]] = {
    "admin": ("u-admin", ADMIN_PROJECT, ["admin", "member", "reader"]),
    "member": ("u-member", PROJECT, ["member", "reader"]),
    "reader": ("u-reader", PROJECT, ["reader"]),
    "other": ("u-other", OTHER_PROJECT, ["member", "reader"]),
}


def token_for(persona: str) -> str:
    return f"persona-{persona}"


def token_body(persona: str) -> dict[str, Any]:
    user_id, project_id, roles = _PERSONAS[persona]
    return {
        "methods": ["password"],
        "user": {"id": user_id, "name": user_id, "domain": {"id": "default", "name": "Default"}},
        "project": {"id": project_id, "name": project_id, "domain": {"id": "default",
                                                                     "name": "Default"}},
        "roles": [{"id": f"r-{r}", "name": r} for r in roles],
        "audit_ids": ["test"],
        "expires_at": "2999-01-01T00:00:00.000000Z",
        "catalog": [],
    }


def fake_validator(token: str) -> dict[str, Any]:
    if token.startswith("persona-") and token[8:] in _PERSONAS:
        return token_body(token[8:])
    raise NotFound(resource="token", id="***")


def project_of(persona: str) -> str:
    return _PERSONAS[persona][1]


def user_of(persona: str) -> str:
    return _PERSONAS[persona][0]
