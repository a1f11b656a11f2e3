"""The ``password`` method."""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import BadRequest, Unauthorized
from nimbus.identity.manager.auth_methods.base import AuthMethod, AuthResult, require
from nimbus.identity.manager.auth_methods.refs import References
from nimbus.identity.manager.domain_users import DomainUserManager
from nimbus.identity.manager.resource import ResourceManager


class Password(AuthMethod):
    name = "password"

    def __init__(self, refs: References, users: DomainUserManager,
                 resource: ResourceManager) -> None:
        self.refs = refs
        self.users = users
        self.resource = resource

    def authenticate(self, data: dict[str, Any], result: AuthResult) -> None:
        ref = require({"password": data}, "password", "user")
        user = self.refs.user(ref)
        password = ref.get("password")
        if not isinstance(password, str):
            raise BadRequest("Invalid input for field 'password.user.password': required.")
        domain = self.resource.get_domain(user.domain_id)
        if not domain.enabled:
            raise Unauthorized(f"Domain {domain.id} is disabled.")
        result.set_user(self.users.authenticate(user.id, password))
