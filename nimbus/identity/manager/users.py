"""Users, groups and passwords, with the security-compliance rules Keystone enforces."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from nimbus.conf.identity import SecurityCompliance
from nimbus.core.db.base import new_hex_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import BadRequest, Conflict, NotFound, Unauthorized
from nimbus.identity.db import users as q
from nimbus.identity.db.models import Group, GroupMembership, Password, Project, User
from nimbus.identity.manager.passwords import VerifiedPasswords, hash_password, verify_password

USER_FIELDS = {"id", "name", "domain_id", "enabled", "default_project_id", "description", "email",
               "password", "options", "links", "password_expires_at"}
USER_OPTIONS = {
    "ignore_change_password_upon_first_use",
    "ignore_password_expiry",
    "ignore_lockout_failure_attempts",
    "lock_password",
    "multi_factor_auth_enabled",
    "multi_factor_auth_rules",
    "ignore_user_inactivity",
}


class UserManager:
    def __init__(self, db: Database, compliance: SecurityCompliance, kdf_cost: int,
                 password_cache_seconds: float = 0) -> None:
        self.db = db
        self.rules = compliance
        self.kdf_cost = kdf_cost
        self.verified = VerifiedPasswords(password_cache_seconds)

    # -- passwords --------------------------------------------------------------------------
    def _check_strength(self, password: str) -> None:
        if self.rules.password_regex and not re.match(self.rules.password_regex, password):
            description = self.rules.password_regex_description or "it does not match the rules"
            raise BadRequest(f"Password validation error: The password does not meet the "
                             f"requirements: {description}.")

    def _new_password(self, user: User, password: str, self_service: bool) -> Password:
        expires = None
        if self.rules.password_expires_days and not user.options.get("ignore_password_expiry"):
            expires = utcnow() + dt.timedelta(days=self.rules.password_expires_days)
        if (self.rules.change_password_upon_first_use and not self_service
                and not user.options.get("ignore_change_password_upon_first_use")):
            expires = utcnow()
        return Password(user_id=user.id, hash=hash_password(password, self.kdf_cost),
                        expires_at=expires, self_service=self_service)

    def password_expires_at(self, user_id: str) -> dt.datetime | None:
        return self.passwords_expire_at([user_id]).get(user_id)

    def passwords_expire_at(self, user_ids: list[str]) -> dict[str, dt.datetime | None]:
        """When each SQL user's current password expires, in one query for a whole page."""
        with self.db.reader() as s:
            return q.password_expiry(s, user_ids)

    def password_matches(self, user_id: str, password: str) -> bool:
        """Whether ``password`` is the user's current one (no lockout or expiry rules)."""
        with self.db.reader() as s:
            current = q.current_password(s, user_id)
        return current is not None and verify_password(password, current.hash)

    # -- users ------------------------------------------------------------------------------
    @retry_on_lock()
    def create_user(self, name: str, domain_id: str, password: str | None = None,
                    enabled: bool = True, default_project_id: str | None = None,
                    description: str | None = None, email: str | None = None,
                    options: dict[str, Any] | None = None, extra: dict[str, Any] | None = None,
                    user_id: str | None = None) -> User:
        if not name or len(name) > 255:
            raise BadRequest("Invalid input for field 'name': must be 1 to 255 characters.")
        options = options or {}
        unknown = set(options) - USER_OPTIONS
        if unknown:
            raise BadRequest(f"Invalid input for field 'options': unknown {sorted(unknown)}")
        if password is not None:
            self._check_strength(password)
        with self.db.writer() as s:
            domain = s.get(Project, domain_id)
            if domain is None or not domain.is_domain:
                raise NotFound(resource="domain", id=domain_id)
            if q.user_by_name(s, domain_id, name):
                raise Conflict(resource="user", reason=f"Duplicate entry found with name {name} "
                               f"at domain ID {domain_id}")
            user = User(id=user_id or new_hex_id(), name=name, domain_id=domain_id,
                        enabled=enabled, default_project_id=default_project_id,
                        description=description, email=email, options=options, extra=extra or {})
            s.add(user)
            s.flush()
            if password is not None:
                s.add(self._new_password(user, password, self_service=False))
        return user

    def get_user(self, user_id: str) -> User:
        with self.db.reader() as s:
            row = s.get(User, user_id)
        if row is None:
            raise NotFound(resource="user", id=user_id)
        return row

    def get_user_by_name(self, name: str, domain_id: str) -> User:
        with self.db.reader() as s:
            row = q.user_by_name(s, domain_id, name)
        if row is None:
            raise NotFound(resource="user", id=name)
        return row

    def list_users(self, filters: dict[str, Any] | None = None) -> list[User]:
        """Users matching ``filters`` (``name``, ``domain_id``, ``enabled``, ``group_id``)."""
        with self.db.reader() as s:
            return q.list_users(s, filters or {})

    def page_users(self, filters: dict[str, Any], query: PageQuery,
                   max_limit: int) -> Page[User]:
        """One page of those users, in id order (Keystone's paging)."""
        with self.db.reader() as s:
            return q.page_users(s, filters, query, max_limit)

    @retry_on_lock()
    def update_user(self, user_id: str, changes: dict[str, Any]) -> User:
        with self.db.writer() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(resource="user", id=user_id)
            if "domain_id" in changes and changes["domain_id"] != user.domain_id:
                raise BadRequest("Update of `domain_id` is not allowed.")
            if changes.get("name") not in (None, user.name) and q.user_by_name(
                    s, user.domain_id, changes["name"]):
                raise Conflict(resource="user", reason=f"Duplicate entry found with name "
                               f"{changes['name']} at domain ID {user.domain_id}")
            if "options" in changes:
                unknown = set(changes["options"] or {}) - USER_OPTIONS
                if unknown:
                    raise BadRequest(f"Invalid input for field 'options': unknown {sorted(unknown)}")
                merged = dict(user.options or {})
                for key, value in (changes["options"] or {}).items():
                    if value is None:
                        merged.pop(key, None)
                    else:
                        merged[key] = value
                user.options = merged
            for key in ("name", "enabled", "default_project_id", "description", "email"):
                if key in changes:
                    setattr(user, key, changes[key])
            # Attributes Keystone does not know are kept as they come (``extra``), as on create.
            extra = {k: v for k, v in changes.items() if k not in USER_FIELDS}
            if extra:
                user.extra = {**(user.extra or {}), **extra}
            if changes.get("enabled") is True:
                user.failed_auth_count = 0
            if "password" in changes and changes["password"] is not None:
                self._check_strength(changes["password"])
                s.add(self._new_password(user, changes["password"], self_service=False))
        return user

    @retry_on_lock()
    def delete_user(self, user_id: str) -> None:
        with self.db.writer() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(resource="user", id=user_id)
            q.delete_user(s, user)

    @retry_on_lock()
    def change_password(self, user_id: str, original: str, new: str) -> None:
        """Self-service change: checks the original, reuse history and minimum age."""
        with self.db.writer() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(resource="user", id=user_id)
            current = q.current_password(s, user_id)
            if current is None or not verify_password(original, current.hash):
                raise Unauthorized("The original password is incorrect.")
            if user.options.get("lock_password"):
                raise BadRequest("You cannot change your password at this time due to password "
                                 "policy disallowing password changes.")
            min_age = self.rules.minimum_password_age_days
            if min_age and current.self_service and (
                    utcnow() - current.created_at < dt.timedelta(days=min_age)):
                raise BadRequest(f"You cannot change your password at this time due to the "
                                 f"minimum password age. Once you change your password, it must "
                                 f"be used for {min_age} day(s) before it can be changed.")
            self._check_strength(new)
            count = max(self.rules.unique_last_password_count, 1)
            recent = q.recent_passwords(s, user_id, count)
            if self.rules.unique_last_password_count and any(
                    verify_password(new, p.hash) for p in recent):
                raise BadRequest(f"The new password cannot be identical to a previous password. "
                                 f"The total number which includes the new password must be "
                                 f"unique is {self.rules.unique_last_password_count}.")
            s.add(self._new_password(user, new, self_service=True))

    # -- authentication ---------------------------------------------------------------------
    def authenticate(self, user_id: str, password: str) -> User:
        """The user, if the password is right and the account usable; 401 otherwise.

        The KDF runs outside any transaction: a write lock held for its tenths of a second would
        queue every other sign-in, and every other write, behind it. What the attempt changes
        (the failed-attempt count, the day of last activity) is written after, and only when it
        changes, so that a sign-in is not an identity write that empties every token cache.
        """
        with self.db.reader() as s:
            user = s.get(User, user_id)
            current = q.current_password(s, user_id) if user is not None else None
        if user is None:
            raise Unauthorized("The request you have made requires authentication.")
        opts = user.options or {}
        attempts = self.rules.lockout_failure_attempts
        locked = attempts and not opts.get("ignore_lockout_failure_attempts") and (
            user.failed_auth_count or 0) >= attempts
        if locked:
            locked_until = (user.failed_auth_at or utcnow()) + dt.timedelta(
                seconds=self.rules.lockout_duration)
            if not self.rules.lockout_duration or utcnow() < locked_until:
                raise Unauthorized(f"The account is locked for user: {user.id}.")
        right = current is not None and self.verified.check(password, current.hash)
        self._record_attempt(user, right, bool(locked))
        if not right:
            raise Unauthorized("The request you have made requires authentication.")
        if not user.enabled:
            raise Unauthorized("The request you have made requires authentication.")
        assert current is not None
        if (current.expires_at and current.expires_at <= utcnow()
                and not opts.get("ignore_password_expiry")):
            raise Unauthorized(f"The password is expired and needs to be changed for user: "
                               f"{user.id}.")
        return user

    @retry_on_lock()
    def _record_attempt(self, user: User, right: bool, lock_expired: bool) -> None:
        now = utcnow()
        if right:
            # Keystone keeps the day of last activity, not the moment.
            stale = user.last_active_at is None or user.last_active_at.date() != now.date()
            if not (user.failed_auth_count or stale or lock_expired):
                return
        with self.db.writer() as s:
            row = s.get(User, user.id)
            if row is None:
                return
            if lock_expired:
                row.failed_auth_count = 0
            if right:
                if row.failed_auth_count:
                    row.failed_auth_count = 0
                if row.last_active_at is None or row.last_active_at.date() != now.date():
                    row.last_active_at = now
                    user.last_active_at = now
            else:
                row.failed_auth_count = (row.failed_auth_count or 0) + 1
                row.failed_auth_at = now

    # -- groups -----------------------------------------------------------------------------
    @retry_on_lock()
    def create_group(self, name: str, domain_id: str, description: str = "") -> Group:
        with self.db.writer() as s:
            if q.group_by_name(s, domain_id, name):
                raise Conflict(resource="group", reason=f"Duplicate entry found with name {name}")
            group = Group(name=name, domain_id=domain_id, description=description or "")
            s.add(group)
        return group

    def get_group(self, group_id: str) -> Group:
        with self.db.reader() as s:
            row = s.get(Group, group_id)
        if row is None:
            raise NotFound(resource="group", id=group_id)
        return row

    def list_groups(self, filters: dict[str, Any] | None = None,
                    user_id: str | None = None) -> list[Group]:
        """Groups matching ``name`` and ``domain_id``, and those ``user_id`` belongs to."""
        with self.db.reader() as s:
            return q.list_groups(s, filters or {}, user_id)

    def page_groups(self, filters: dict[str, Any], query: PageQuery,
                    max_limit: int) -> Page[Group]:
        with self.db.reader() as s:
            return q.page_groups(s, filters, query, max_limit)

    @retry_on_lock()
    def update_group(self, group_id: str, changes: dict[str, Any]) -> Group:
        with self.db.writer() as s:
            group = s.get(Group, group_id)
            if group is None:
                raise NotFound(resource="group", id=group_id)
            if "domain_id" in changes and changes["domain_id"] != group.domain_id:
                raise BadRequest("Update of `domain_id` is not allowed.")
            if changes.get("name") not in (None, group.name) and q.group_by_name(
                    s, group.domain_id, changes["name"]):
                raise Conflict(resource="group", reason=f"Duplicate entry found with name "
                               f"{changes['name']}")
            for key in ("name", "description"):
                if key in changes:
                    setattr(group, key, changes[key])
        return group

    @retry_on_lock()
    def delete_group(self, group_id: str) -> None:
        with self.db.writer() as s:
            group = s.get(Group, group_id)
            if group is None:
                raise NotFound(resource="group", id=group_id)
            q.delete_group(s, group)

    @retry_on_lock()
    def add_to_group(self, user_id: str, group_id: str) -> None:
        self.get_user(user_id)
        self.get_group(group_id)
        with self.db.writer() as s:
            if s.get(GroupMembership, (user_id, group_id)) is None:
                s.add(GroupMembership(user_id=user_id, group_id=group_id))

    def in_group(self, user_id: str, group_id: str) -> bool:
        self.get_user(user_id)
        self.get_group(group_id)
        with self.db.reader() as s:
            return s.get(GroupMembership, (user_id, group_id)) is not None

    @retry_on_lock()
    def remove_from_group(self, user_id: str, group_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(GroupMembership, (user_id, group_id))
            if row is None:
                raise NotFound(f"User {user_id} is not a member of group {group_id}.")
            s.delete(row)

    def group_ids_of(self, user_id: str) -> list[str]:
        with self.db.reader() as s:
            return q.group_ids_of(s, user_id)
