"""The ``application_credential`` method."""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import NotFound, Unauthorized
from nimbus.identity.manager.app_creds import AppCredManager
from nimbus.identity.manager.auth_methods.base import AuthMethod, AuthResult, require
from nimbus.identity.manager.auth_methods.refs import References
from nimbus.identity.manager.domain_users import DomainUserManager


class ApplicationCredential(AuthMethod):
    name = "application_credential"

    def __init__(self, refs: References, app_creds: AppCredManager,
                 users: DomainUserManager) -> None:
        self.refs = refs
        self.app_creds = app_creds
        self.users = users

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        secret = require({"application_credential": data}, "application_credential", "secret")
        try:
            if data.get("id"):
                cred = self.app_creds.get(str(data["id"]))
            else:
                owner = self.refs.user(require(data, "user"))
                cred = self.app_creds.find(owner.id, str(require(data, "name")))
        except NotFound:
            raise Unauthorized("The request you have made requires authentication.") from None
        if not self.app_creds.verify(cred, str(secret)):
            raise Unauthorized("The request you have made requires authentication.")
        user = self.users.get_user(cred.user_id)
        if not user.enabled:
            raise Unauthorized(f"User {user.id} is disabled.")
        result.set_user(user)
        result.app_cred = cred
        result.expires_at = cred.expires_at
