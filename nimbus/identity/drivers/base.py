"""The contract of an identity driver: where one domain's users and groups live.

Each domain is served by one driver (Keystone's domain-specific drivers): SQL by default, or a
directory such as LDAP. Role assignments always stay in SQL; they name users and groups by their
*public* ids. A driver whose own ids are not usable as public ids declares ``needs_id_mapping``,
and the identity manager translates between the two, so every id a driver takes or returns here is
the driver's *local* id.

Drivers return plain records (``DirectoryUser``, ``DirectoryGroup``) filled in from their entries;
the identity manager turns them into the users and groups the API shows. SQL domains have no
driver object: their users live in the identity tables, which the manager serves itself (with
the password history, lockout and expiry rules a directory does not have).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar

from nimbus.core.errors import Forbidden


@dataclass(frozen=True)
class DirectoryUser:
    """A user as a driver knows them, under the driver's local id."""

    id: str
    name: str
    domain_id: str
    enabled: bool = True
    default_project_id: str | None = None
    description: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class DirectoryGroup:
    """A group as a driver knows it, under the driver's local id."""

    id: str
    name: str
    domain_id: str
    description: str = ""


class IdentityDriver(abc.ABC):
    """Users, groups and membership of the domain(s) this driver serves."""

    #: Writes (create/update/delete users and groups, membership, passwords) are refused.
    read_only: ClassVar[bool] = False
    #: Local ids must be mapped to public ids (they may clash across domains or be long).
    needs_id_mapping: ClassVar[bool] = False
    #: The driver enforces Keystone's security-compliance rules (lockout, expiry, history).
    supports_security_compliance: ClassVar[bool] = False
    #: A short name for logs and the service's backend summary.
    name: ClassVar[str] = ""

    @classmethod
    def from_domain_config(cls, domain_id: str, config: dict[str, dict[str, Any]]) -> IdentityDriver:
        """A driver serving ``domain_id``, from the domain's configuration groups.

        ``config`` maps a group (``"identity"``, ``"ldap"``...) to its options. Raises ValueError
        when the options cannot work.
        """
        raise NotImplementedError(f"{cls.__name__} cannot be configured per domain")

    @abc.abstractmethod
    def get_user(self, user_id: str) -> DirectoryUser:
        """The user with this local id. Raises NotFound(resource="user")."""

    @abc.abstractmethod
    def get_user_by_name(self, name: str, domain_id: str) -> DirectoryUser:
        """The user called ``name`` in ``domain_id``. Raises NotFound(resource="user")."""

    @abc.abstractmethod
    def list_users(self, filters: dict[str, Any]) -> list[DirectoryUser]:
        """Users matching every filter given: ``name`` (exact), ``domain_id``, ``enabled`` (bool).

        Unknown filter keys are ignored. The result is sorted by name.
        """

    @abc.abstractmethod
    def authenticate(self, user_id: str, password: str) -> DirectoryUser:
        """The user, if ``password`` is theirs and the account is enabled.

        Raises Unauthorized with a message that does not say which part was wrong.
        """

    @abc.abstractmethod
    def get_group(self, group_id: str) -> DirectoryGroup:
        """The group with this local id. Raises NotFound(resource="group")."""

    @abc.abstractmethod
    def list_groups(self, filters: dict[str, Any]) -> list[DirectoryGroup]:
        """Groups matching ``name`` (exact) and ``domain_id`` when given, sorted by name."""

    @abc.abstractmethod
    def list_users_in_group(self, group_id: str) -> list[DirectoryUser]:
        """The group's members. Raises NotFound(resource="group") for an unknown group."""

    @abc.abstractmethod
    def list_groups_for_user(self, user_id: str) -> list[DirectoryGroup]:
        """The groups the user belongs to (possibly none); an unknown user has none."""

    def check_writable(self, what: str) -> None:
        """Raise Forbidden when this driver cannot change ``what`` (e.g. "user create")."""
        if self.read_only:
            raise Forbidden(f"{self.name.upper() or 'This backend'} {what} is not allowed: the "
                            f"identity backend of this domain is read-only.")

    def close(self) -> None:  # noqa: B027 - optional hook, most drivers hold nothing
        """Release connections; the driver is not used afterwards."""
