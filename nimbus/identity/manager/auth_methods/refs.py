"""Finding users and domains from the references an auth request carries."""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import BadRequest, NotFound, Unauthorized
from nimbus.identity.db.models import User
from nimbus.identity.manager.auth_methods.base import require
from nimbus.identity.manager.domain_users import DomainUserManager
from nimbus.identity.manager.resource import ResourceManager


class References:
    def __init__(self, users: DomainUserManager, resource: ResourceManager) -> None:
        self.users = users
        self.resource = resource

    def domain_id(self, ref: Any) -> str:
        if not isinstance(ref, dict):
            raise BadRequest("Invalid input for field 'domain': expected an object.")
        if ref.get("id"):
            return str(ref["id"])
        if ref.get("name"):
            try:
                return self.resource.get_domain_by_name(str(ref["name"])).id
            except NotFound:
                raise Unauthorized(f"Could not find domain: {ref['name']}.") from None
        raise BadRequest("Invalid input for field 'domain': id or name is required.")

    def user(self, ref: Any) -> User:
        if not isinstance(ref, dict):
            raise BadRequest("Invalid input for field 'user': expected an object.")
        try:
            if ref.get("id"):
                return self.users.get_user(str(ref["id"]))
            if ref.get("name"):
                return self.users.get_user_by_name(str(ref["name"]),
                                                   self.domain_id(require(ref, "domain")))
        except NotFound:
            raise Unauthorized("The request you have made requires authentication.") from None
        raise BadRequest("Invalid input for field 'user': id or name is required.")
