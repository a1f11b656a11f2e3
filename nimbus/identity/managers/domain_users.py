"""Users and groups across domains: each domain's own identity driver, one set of public ids.

``DomainUserManager`` is the ``UserManager`` the service uses. For a SQL domain every call is the
SQL manager's own, unchanged. For a domain served by another driver (LDAP) it asks that driver,
turns the driver's local ids into public ids (``id_mapping``) and refuses writes when the driver
is read-only, as Keystone does. Role assignments stay in SQL and name the public ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from nimbus.core.errors import Forbidden, NotFound
from nimbus.identity.db.models import Group, User
from nimbus.identity.drivers.base import IdentityDriver
from nimbus.identity.drivers.sql import SqlIdentityDriver
from nimbus.identity.managers.domain_drivers import Config, DomainDrivers
from nimbus.identity.managers.id_mapping import GROUP, USER, IdMappingManager, LocalEntity
from nimbus.identity.managers.users import UserManager

if TYPE_CHECKING:
    from nimbus.identity.manager import IdentityState


class DomainUserManager(UserManager):
    """A ``UserManager`` that sends each domain's users and groups to that domain's driver."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mapping = IdMappingManager(self.db)
        # The SQL driver calls the plain SQL methods (super()), never these overrides.
        self.sql_driver = SqlIdentityDriver(cast(UserManager, super()))
        self.backends: DomainDrivers | None = None

    def attach(self, state: IdentityState) -> None:
        """Start reading per-domain configuration (needs the resource manager to name domains)."""

        def domain_name(domain_id: str) -> str:
            return state.resource.get_domain(domain_id).name

        def api_config(domain_id: str) -> Config | None:
            # The configuration set through /v3/domains/{id}/config, defaults included.
            manager = getattr(state, "domain_configs", None)
            if manager is None or not manager.has_config(domain_id):
                return None
            return cast(Config, manager.effective(domain_id))

        self.backends = DomainDrivers(self.sql_driver, domain_name,
                                      state.cloud.settings.state_dir / "domains", api_config)

    def domain_config_changed(self, domain_id: str | None = None) -> None:
        """Re-read the domain's configuration on next use (call after a config API write)."""
        if self.backends is not None:
            self.backends.invalidate(domain_id)

    def close(self) -> None:
        if self.backends is not None:
            self.backends.close()

    # -- routing ----------------------------------------------------------------------------
    def driver_for(self, domain_id: str | None) -> IdentityDriver:
        if domain_id is None or self.backends is None:
            return self.sql_driver
        return self.backends.driver(domain_id)

    def _mapped(self, public_id: str | None, entity_type: str) -> LocalEntity | None:
        """The backend entity behind a mapped public id of this type, else None (SQL)."""
        if not public_id or self.backends is None:
            return None
        entity = self.mapping.lookup(public_id)
        return entity if entity is not None and entity.entity_type == entity_type else None

    def _external(self, entity: LocalEntity, public_id: str) -> IdentityDriver:
        driver = self.driver_for(entity.domain_id)
        if not driver.needs_id_mapping:  # the domain went back to SQL: the entity is gone
            raise NotFound(resource=entity.entity_type, id=public_id)
        return driver

    def _user(self, user: User) -> User:
        user.id = self.mapping.public_id(user.domain_id, user.id, USER)
        return user

    def _group(self, group: Group) -> Group:
        group.id = self.mapping.public_id(group.domain_id, group.id, GROUP)
        return group

    # -- users ------------------------------------------------------------------------------
    def get_user(self, user_id: str) -> User:
        entity = self._mapped(user_id, USER)
        if entity is None:
            return super().get_user(user_id)
        try:
            return self._user(self._external(entity, user_id).get_user(entity.local_id))
        except NotFound:
            raise NotFound(resource="user", id=user_id) from None

    def get_user_by_name(self, name: str, domain_id: str) -> User:
        driver = self.driver_for(domain_id)
        if not driver.needs_id_mapping:
            return super().get_user_by_name(name, domain_id)
        return self._user(driver.get_user_by_name(name, domain_id))

    def list_users(self, filters: dict[str, Any] | None = None) -> list[User]:
        filters = filters or {}
        group = self._mapped(filters.get("group_id"), GROUP)
        if group is not None:
            members = self._external(group, filters["group_id"]).list_users_in_group(
                group.local_id)
            for key in ("name", "domain_id", "enabled"):
                if filters.get(key) is not None:
                    members = [u for u in members if getattr(u, key) == filters[key]]
            return [self._user(u) for u in members]
        driver = self.driver_for(filters.get("domain_id"))
        if filters.get("group_id") or not driver.needs_id_mapping:
            return super().list_users(filters)
        return [self._user(u) for u in driver.list_users(filters)]

    def authenticate(self, user_id: str, password: str) -> User:
        entity = self._mapped(user_id, USER)
        if entity is None:
            return super().authenticate(user_id, password)
        return self._user(self._external(entity, user_id).authenticate(entity.local_id, password))

    def password_expires_at(self, user_id: str) -> Any:
        if self._mapped(user_id, USER) is not None:
            return None  # the directory owns the password and its expiry
        return super().password_expires_at(user_id)

    def create_user(self, name: str, domain_id: str, *args: Any, **kwargs: Any) -> User:
        self.driver_for(domain_id).check_writable("user create")
        return super().create_user(name, domain_id, *args, **kwargs)

    def update_user(self, user_id: str, changes: dict[str, Any]) -> User:
        self._refuse_user_write(user_id, "user update")
        return super().update_user(user_id, changes)

    def delete_user(self, user_id: str) -> None:
        self._refuse_user_write(user_id, "user delete")
        super().delete_user(user_id)

    def change_password(self, user_id: str, original: str, new: str) -> None:
        self._refuse_user_write(user_id, "password change")
        super().change_password(user_id, original, new)

    def _refuse_user_write(self, user_id: str, what: str) -> None:
        entity = self._mapped(user_id, USER)
        if entity is not None:
            self.get_user(user_id)  # an unknown user is a 404 before it is a 403
            self._external(entity, user_id).check_writable(what)

    # -- groups -----------------------------------------------------------------------------
    def get_group(self, group_id: str) -> Group:
        entity = self._mapped(group_id, GROUP)
        if entity is None:
            return super().get_group(group_id)
        try:
            return self._group(self._external(entity, group_id).get_group(entity.local_id))
        except NotFound:
            raise NotFound(resource="group", id=group_id) from None

    def list_groups(self, filters: dict[str, Any] | None = None,
                    user_id: str | None = None) -> list[Group]:
        filters = filters or {}
        user = self._mapped(user_id, USER) if user_id else None
        if user is not None and user_id:
            groups = self._external(user, user_id).list_groups_for_user(user.local_id)
            for key in ("name", "domain_id"):
                if filters.get(key) is not None:
                    groups = [g for g in groups if getattr(g, key) == filters[key]]
            return [self._group(g) for g in groups]
        driver = self.driver_for(filters.get("domain_id"))
        if user_id or not driver.needs_id_mapping:
            return super().list_groups(filters, user_id)
        return [self._group(g) for g in driver.list_groups(filters)]

    def group_ids_of(self, user_id: str) -> list[str]:
        entity = self._mapped(user_id, USER)
        if entity is None:
            return super().group_ids_of(user_id)
        groups = self._external(entity, user_id).list_groups_for_user(entity.local_id)
        return [self._group(g).id for g in groups]

    def create_group(self, name: str, domain_id: str, *args: Any, **kwargs: Any) -> Group:
        self.driver_for(domain_id).check_writable("group create")
        return super().create_group(name, domain_id, *args, **kwargs)

    def update_group(self, group_id: str, changes: dict[str, Any]) -> Group:
        self._refuse_group_write(group_id, "group update")
        return super().update_group(group_id, changes)

    def delete_group(self, group_id: str) -> None:
        self._refuse_group_write(group_id, "group delete")
        super().delete_group(group_id)

    def _refuse_group_write(self, group_id: str, what: str) -> None:
        entity = self._mapped(group_id, GROUP)
        if entity is not None:
            self.get_group(group_id)
            self._external(entity, group_id).check_writable(what)

    def _refuse_membership_write(self, user_id: str, group_id: str, what: str) -> None:
        user, group = self._mapped(user_id, USER), self._mapped(group_id, GROUP)
        if user is None and group is None:
            return
        self.get_user(user_id)
        self.get_group(group_id)
        if group is not None:
            self._external(group, group_id).check_writable(what)
        if user is None or group is None or user.domain_id != group.domain_id:
            raise Forbidden("The user and the group are in different identity backends; "
                            "membership across backends is not allowed.")

    def add_to_group(self, user_id: str, group_id: str) -> None:
        self._refuse_membership_write(user_id, group_id, "group membership change")
        super().add_to_group(user_id, group_id)

    def remove_from_group(self, user_id: str, group_id: str) -> None:
        self._refuse_membership_write(user_id, group_id, "group membership change")
        super().remove_from_group(user_id, group_id)

    def in_group(self, user_id: str, group_id: str) -> bool:
        user, group = self._mapped(user_id, USER), self._mapped(group_id, GROUP)
        if user is None and group is None:
            return super().in_group(user_id, group_id)
        self.get_user(user_id)
        self.get_group(group_id)
        if user is None or group is None or user.domain_id != group.domain_id:
            return False
        return group_id in self.group_ids_of(user_id)
