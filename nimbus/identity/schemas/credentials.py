"""Request and response shapes of ``/v3/credentials`` and the OS-EC2 credentials."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import ID, NULLABLE_ID, string
from nimbus.identity.db.models import Credential
from nimbus.identity.schemas.requests import wrap

CREDENTIAL_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"blob": string(65535, 1), "type": string(255, 1), "user_id": ID,
                   "project_id": NULLABLE_ID, "id": ID},
    "required": ["blob", "type", "user_id"],
}
CREDENTIAL_UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {"blob": string(65535, 1), "type": string(255, 1), "user_id": ID,
                   "project_id": NULLABLE_ID},
    "minProperties": 1,
}
EC2_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {"tenant_id": ID, "project_id": ID},
}
CREDENTIAL_CREATE_BODY = wrap("credential", CREDENTIAL_CREATE)
CREDENTIAL_UPDATE_BODY = wrap("credential", CREDENTIAL_UPDATE)
# The body is optional: without one, the project is missing (a 400 naming tenant_id).
EC2_CREATE_BODY: dict[str, Any] = {**EC2_CREATE, "type": ["object", "null"]}


def credential(base: str, c: Credential, blob: str) -> dict[str, Any]:
    return {"id": c.id, "user_id": c.user_id, "project_id": c.project_id, "type": c.type,
            "blob": blob, "links": {"self": f"{base}/v3/credentials/{c.id}"}}


def ec2(base: str, c: Credential, blob: dict[str, Any]) -> dict[str, Any]:
    access = str(blob.get("access", ""))
    return {"user_id": c.user_id, "tenant_id": c.project_id, "access": access,
            "secret": blob.get("secret"), "trust_id": blob.get("trust_id"),
            "links": {"self": f"{base}/v3/users/{c.user_id}/credentials/OS-EC2/{access}"}}
