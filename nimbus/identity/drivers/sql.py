"""The SQL identity driver: users and groups in the identity tables (the default for a domain).

The SQL rules (password history, lockout, expiry, membership rows) live in
``managers.users.UserManager``; this driver presents them through the driver contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from nimbus.identity.db.models import Group, User
from nimbus.identity.drivers.base import IdentityDriver

if TYPE_CHECKING:
    from nimbus.identity.managers.users import UserManager


class SqlIdentityDriver(IdentityDriver):
    read_only: ClassVar[bool] = False
    needs_id_mapping: ClassVar[bool] = False
    supports_security_compliance: ClassVar[bool] = True
    name: ClassVar[str] = "sql"

    def __init__(self, users: UserManager) -> None:
        self.users = users

    def get_user(self, user_id: str) -> User:
        return self.users.get_user(user_id)

    def get_user_by_name(self, name: str, domain_id: str) -> User:
        return self.users.get_user_by_name(name, domain_id)

    def list_users(self, filters: dict[str, Any]) -> list[User]:
        return self.users.list_users(filters)

    def authenticate(self, user_id: str, password: str) -> User:
        return self.users.authenticate(user_id, password)

    def get_group(self, group_id: str) -> Group:
        return self.users.get_group(group_id)

    def list_groups(self, filters: dict[str, Any]) -> list[Group]:
        return self.users.list_groups(filters)

    def list_users_in_group(self, group_id: str) -> list[User]:
        self.users.get_group(group_id)
        return self.users.list_users({"group_id": group_id})

    def list_groups_for_user(self, user_id: str) -> list[Group]:
        return self.users.list_groups(user_id=user_id)


DRIVER = SqlIdentityDriver
