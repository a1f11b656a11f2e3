"""Users and groups across domains: each domain's own identity driver, one set of public ids.

``DomainUserManager`` is the ``UserManager`` the service uses. For a SQL domain every call is the
SQL manager's own, unchanged. For a domain served by a driver (LDAP) it asks that driver, turns
the driver's records and local ids into users and groups with public ids (``id_mapping``) and
refuses writes when the driver is read-only, as Keystone does. Role assignments stay in SQL and
name the public ids.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from nimbus.conf.identity import SecurityCompliance
from nimbus.core.db.engine import Database
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import Forbidden, NotFound
from nimbus.identity.constants import GROUP, USER
from nimbus.identity.db.models import Group, User
from nimbus.identity.drivers.base import DirectoryGroup, DirectoryUser, IdentityDriver
from nimbus.identity.errors import MarkerNotFound
from nimbus.identity.manager.domain_drivers import DomainDrivers
from nimbus.identity.manager.id_mapping import IdMappingManager, LocalEntity
from nimbus.identity.manager.users import UserManager


def _window(rows: list[Any], query: PageQuery, max_limit: int) -> Page[Any]:
    """A page of a directory's answer: not SQL, so it is cut here, after the marker's row."""
    start = 0
    if query.marker is not None:
        ids = [r.id for r in rows]
        if query.marker not in ids:
            raise MarkerNotFound(marker=query.marker)
        start = ids.index(query.marker) + 1
    limit = max_limit if query.limit is None else min(query.limit, max_limit)
    items = rows[start:start + limit]
    return Page(items, more=len(rows) > start + limit, previous=start > 0)


class DomainUserManager(UserManager):
    """A ``UserManager`` that sends each domain's users and groups to that domain's driver."""

    def __init__(self, db: Database, compliance: SecurityCompliance, kdf_cost: int,
                 mapping: IdMappingManager, backends: DomainDrivers,
                 password_cache_seconds: float = 0) -> None:
        super().__init__(db, compliance, kdf_cost, password_cache_seconds)
        self.mapping = mapping
        self.backends = backends

    def domain_config_changed(self, domain_id: str | None = None) -> None:
        """Re-read the domain's configuration on next use (call after a config API write)."""
        self.backends.invalidate(domain_id)

    def close(self) -> None:
        self.backends.close()

    # -- routing ----------------------------------------------------------------------------
    def driver_for(self, domain_id: str | None) -> IdentityDriver | None:
        """The domain's driver; None when its users and groups are in SQL."""
        return None if domain_id is None else self.backends.driver(domain_id)

    def _mapped(self, public_id: str | None, entity_type: str) -> LocalEntity | None:
        """The backend entity behind a mapped public id of this type, else None (SQL)."""
        if not public_id:
            return None
        entity = self.mapping.lookup(public_id)
        return entity if entity is not None and entity.entity_type == entity_type else None

    def _external(self, entity: LocalEntity, public_id: str) -> IdentityDriver:
        driver = self.driver_for(entity.domain_id)
        if driver is None or not driver.needs_id_mapping:
            # The domain went back to SQL: the entity is gone.
            raise NotFound(resource=entity.entity_type, id=public_id)
        return driver

    def _user(self, found: DirectoryUser) -> User:
        """A directory user as the API shows users: a transient row under its public id."""
        return User(id=self.mapping.public_id(found.domain_id, found.id, USER), name=found.name,
                    domain_id=found.domain_id, enabled=found.enabled,
                    default_project_id=found.default_project_id,
                    description=found.description, email=found.email, options={}, extra={},
                    failed_auth_count=0)

    def _group(self, found: DirectoryGroup) -> Group:
        return Group(id=self.mapping.public_id(found.domain_id, found.id, GROUP),
                     name=found.name, domain_id=found.domain_id, description=found.description)

    @staticmethod
    def _directory(driver: IdentityDriver | None) -> IdentityDriver | None:
        return driver if driver is not None and driver.needs_id_mapping else None

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
        driver = self._directory(self.driver_for(domain_id))
        if driver is None:
            return super().get_user_by_name(name, domain_id)
        return self._user(driver.get_user_by_name(name, domain_id))

    def _directory_users(self, filters: dict[str, Any]) -> list[User] | None:
        """The users a directory answers for these filters; None when SQL answers."""
        group = self._mapped(filters.get("group_id"), GROUP)
        if group is not None:
            members = self._external(group, filters["group_id"]).list_users_in_group(
                group.local_id)
            for key in ("name", "domain_id", "enabled"):
                if filters.get(key) is not None:
                    members = [u for u in members if getattr(u, key) == filters[key]]
            return [self._user(u) for u in members]
        driver = self._directory(self.driver_for(filters.get("domain_id")))
        if filters.get("group_id") or driver is None:
            return None
        return [self._user(u) for u in driver.list_users(filters)]

    def list_users(self, filters: dict[str, Any] | None = None) -> list[User]:
        filters = filters or {}
        found = self._directory_users(filters)
        return super().list_users(filters) if found is None else found

    def page_users(self, filters: dict[str, Any], query: PageQuery,
                   max_limit: int) -> Page[User]:
        found = self._directory_users(filters)
        if found is None:
            return super().page_users(filters, query, max_limit)
        return _window(found, query, max_limit)

    def authenticate(self, user_id: str, password: str) -> User:
        entity = self._mapped(user_id, USER)
        if entity is None:
            return super().authenticate(user_id, password)
        return self._user(self._external(entity, user_id).authenticate(entity.local_id, password))

    def passwords_expire_at(self, user_ids: list[str]) -> dict[str, dt.datetime | None]:
        # A directory owns its users' passwords and their expiry.
        sql_ids = [u for u in user_ids if self._mapped(u, USER) is None]
        return super().passwords_expire_at(sql_ids)

    def create_user(self, name: str, domain_id: str, *args: Any, **kwargs: Any) -> User:
        self._check_writable(domain_id, "user create")
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

    def _check_writable(self, domain_id: str, what: str) -> None:
        driver = self.driver_for(domain_id)
        if driver is not None:
            driver.check_writable(what)

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

    def _directory_groups(self, filters: dict[str, Any],
                          user_id: str | None = None) -> list[Group] | None:
        """The groups a directory answers for these filters; None when SQL answers."""
        user = self._mapped(user_id, USER) if user_id else None
        if user is not None and user_id:
            groups = self._external(user, user_id).list_groups_for_user(user.local_id)
            for key in ("name", "domain_id"):
                if filters.get(key) is not None:
                    groups = [g for g in groups if getattr(g, key) == filters[key]]
            return [self._group(g) for g in groups]
        driver = self._directory(self.driver_for(filters.get("domain_id")))
        if user_id or driver is None:
            return None
        return [self._group(g) for g in driver.list_groups(filters)]

    def list_groups(self, filters: dict[str, Any] | None = None,
                    user_id: str | None = None) -> list[Group]:
        filters = filters or {}
        found = self._directory_groups(filters, user_id)
        return super().list_groups(filters, user_id) if found is None else found

    def page_groups(self, filters: dict[str, Any], query: PageQuery,
                    max_limit: int) -> Page[Group]:
        found = self._directory_groups(filters)
        if found is None:
            return super().page_groups(filters, query, max_limit)
        return _window(found, query, max_limit)

    def group_ids_of(self, user_id: str) -> list[str]:
        entity = self._mapped(user_id, USER)
        if entity is None:
            return super().group_ids_of(user_id)
        groups = self._external(entity, user_id).list_groups_for_user(entity.local_id)
        return [self._group(g).id for g in groups]

    def create_group(self, name: str, domain_id: str, *args: Any, **kwargs: Any) -> Group:
        self._check_writable(domain_id, "group create")
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
