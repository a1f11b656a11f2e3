"""Request and response shapes of ``/v3/OS-TRUST``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import BOOLEAN, ID, NULLABLE_ID, string
from nimbus.identity.db.models import Trust
from nimbus.identity.schemas.requests import wrap
from nimbus.identity.schemas.views import iso_z

_ROLE_REF: dict[str, Any] = {
    "type": "object",
    "properties": {"id": ID, "name": string(255, 1)},
    "minProperties": 1,
}

TRUST_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "trustor_user_id": ID,
        "trustee_user_id": ID,
        "project_id": NULLABLE_ID,
        "impersonation": BOOLEAN,
        "expires_at": string(64, nullable=True),
        "remaining_uses": {"type": ["integer", "null"], "minimum": 1},
        "allow_redelegation": {"type": ["boolean", "null"]},
        "redelegation_count": {"type": ["integer", "null"], "minimum": 0},
        "roles": {"type": "array", "items": _ROLE_REF},
    },
    "required": ["trustor_user_id", "trustee_user_id", "impersonation"],
}
TRUST_CREATE_BODY = wrap("trust", TRUST_CREATE)


def trust(base: str, t: Trust, roles: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Keystone's trust body; ``roles`` is None in list summaries."""
    body: dict[str, Any] = {
        "id": t.id, "trustor_user_id": t.trustor_user_id,
        "trustee_user_id": t.trustee_user_id, "project_id": t.project_id,
        "impersonation": t.impersonation, "expires_at": iso_z(t.expires_at),
        "remaining_uses": t.remaining_uses, "redelegation_count": t.redelegation_count,
        "allow_redelegation": t.allow_redelegation,
        "redelegated_trust_id": t.redelegated_trust_id,
        "links": {"self": f"{base}/v3/OS-TRUST/trusts/{t.id}"},
    }
    if roles is not None:
        body["roles"] = roles
        body["roles_links"] = {"self": f"{base}/v3/OS-TRUST/trusts/{t.id}/roles",
                               "previous": None, "next": None}
    return body
