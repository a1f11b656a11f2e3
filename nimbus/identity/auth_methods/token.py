"""The ``token`` method: trade a valid token for another (rescoping)."""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import Unauthorized
from nimbus.identity.auth_methods.base import AuthMethod, AuthResult, register
from nimbus.identity.fernet import decode
from nimbus.identity.managers.tokens import require


@register
class Token(AuthMethod):
    name = "token"

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        token_id = str(require({"token": data}, "token", "id"))
        # An invalid or revoked token is a 404 here, as Keystone answers.
        self.st.tokens.validate(token_id, include_catalog=False)
        payload = decode(self.st.keys, token_id)
        if payload.app_cred_id:
            raise Unauthorized("Tokens from application credentials cannot be rescoped.")
        result.set_user(self.st.users.get_user(payload.user_id))
        result.parent_audit_id = payload.audit_ids[-1]
        result.expires_at = payload.expires_at
        if payload.scope != "unscoped":
            result.token_scope = (payload.scope, payload.scope_id)
