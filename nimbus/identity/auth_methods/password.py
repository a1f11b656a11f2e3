"""The ``password`` method."""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import BadRequest, Unauthorized
from nimbus.identity.auth_methods.base import AuthMethod, AuthResult, register
from nimbus.identity.auth_methods.refs import user_from_ref
from nimbus.identity.managers.tokens import require


@register
class Password(AuthMethod):
    name = "password"

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        ref = require({"password": data}, "password", "user")
        user = user_from_ref(self.st, ref)
        password = ref.get("password")
        if not isinstance(password, str):
            raise BadRequest("Invalid input for field 'password.user.password': required.")
        domain = self.st.resource.get_domain(user.domain_id)
        if not domain.enabled:
            raise Unauthorized(f"Domain {domain.id} is disabled.")
        result.set_user(self.st.users.authenticate(user.id, password))
