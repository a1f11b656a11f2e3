"""The ``token`` method: trade a valid token for another (rescoping)."""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import Forbidden, Unauthorized
from nimbus.identity.manager.auth_methods.base import AuthMethod, AuthResult, require
from nimbus.identity.manager.domain_users import DomainUserManager
from nimbus.identity.manager.tokens import TokenManager


class Token(AuthMethod):
    name = "token"

    def __init__(self, tokens: TokenManager, users: DomainUserManager) -> None:
        self.tokens = tokens
        self.users = users

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        token_id = str(require({"token": data}, "token", "id"))
        # An invalid or revoked token is a 404 here, as Keystone answers.
        self.tokens.validate(token_id, include_catalog=False)
        payload = self.tokens.payload(token_id)
        if payload.app_cred_id:
            raise Unauthorized("Tokens from application credentials cannot be rescoped.")
        if payload.trust_id:
            # Otherwise an impersonating trust token would become a plain token of the trustor.
            raise Forbidden("Using a trust-scoped token to create another token is not "
                            "allowed. Create a new token instead.")
        result.set_user(self.users.get_user(payload.user_id))
        result.parent_audit_id = payload.audit_ids[-1]
        result.expires_at = payload.expires_at
        result.extras["prior_methods"] = list(payload.methods)
        if payload.scope != "unscoped":
            result.token_scope = (payload.scope, payload.scope_id)
        if payload.federation:
            # A federated token's mapped groups carry over to the token it is traded for.
            result.extras["federation"] = payload.federation
