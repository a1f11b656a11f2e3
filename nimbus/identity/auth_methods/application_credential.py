"""The ``application_credential`` method."""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import NotFound, Unauthorized
from nimbus.identity.auth_methods.base import AuthMethod, AuthResult, register
from nimbus.identity.auth_methods.refs import user_from_ref
from nimbus.identity.managers.tokens import require


@register
class ApplicationCredential(AuthMethod):
    name = "application_credential"

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        secret = require({"application_credential": data}, "application_credential", "secret")
        try:
            if data.get("id"):
                cred = self.st.app_creds.get(str(data["id"]))
            else:
                owner = user_from_ref(self.st, require(data, "user"))
                cred = self.st.app_creds.find(owner.id, str(require(data, "name")))
        except NotFound:
            raise Unauthorized("The request you have made requires authentication.") from None
        if not self.st.app_creds.verify(cred, str(secret)):
            raise Unauthorized("The request you have made requires authentication.")
        user = self.st.users.get_user(cred.user_id)
        if not user.enabled:
            raise Unauthorized(f"User {user.id} is disabled.")
        result.set_user(user)
        result.app_cred = cred
        result.expires_at = cred.expires_at
