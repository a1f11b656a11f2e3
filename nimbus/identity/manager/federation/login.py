"""Federated login: apply a protocol's mapping to an assertion and settle the local identity.

Ephemeral users get a shadow user (a user row plus the link to their identity at the provider)
on first login, in the provider's domain unless the mapping names one; their roles come from
the mapped groups, carried in the token. ``local`` users must already exist.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database
from nimbus.core.errors import Conflict, Forbidden, NotFound, Unauthorized
from nimbus.identity.constants import USER_PROJECT
from nimbus.identity.db import federation as q
from nimbus.identity.db.models import FederatedUser, User
from nimbus.identity.db.users import user_by_name
from nimbus.identity.manager.assignment import AssignmentManager, Grant
from nimbus.identity.manager.domain_users import DomainUserManager
from nimbus.identity.manager.federation import rules
from nimbus.identity.manager.federation.providers import FederationManager, Idp
from nimbus.identity.manager.resource import ResourceManager

LOG = logging.getLogger(__name__)


@dataclass
class Login:
    user: User
    federation: dict[str, Any]


def shadow_user_id(domain_id: str, unique_id: str) -> str:
    return hashlib.sha256(f"{domain_id}\0{unique_id}".encode()).hexdigest()


class FederatedLogin:
    def __init__(self, db: Database, federation: FederationManager, resource: ResourceManager,
                 users: DomainUserManager, assignment: AssignmentManager) -> None:
        self.db = db
        self.federation = federation
        self.resource = resource
        self.users = users
        self.assignment = assignment

    def enabled_idp(self, idp_id: str) -> Idp:
        try:
            idp = self.federation.get_idp(idp_id)
        except NotFound:
            raise Unauthorized(f"Could not find Identity Provider: {idp_id}.") from None
        if not idp.row.enabled:
            raise Forbidden(f"Identity Provider {idp_id} is disabled.")
        return idp

    def login(self, idp: Idp, protocol_id: str, assertion: Mapping[str, Any]) -> Login:
        """Map ``assertion`` (already trusted) through the protocol's mapping; 401 when it fails."""
        try:
            protocol = self.federation.get_protocol(idp.row.id, protocol_id)
        except NotFound:
            raise Unauthorized(f"Could not find protocol {protocol_id} for Identity Provider "
                               f"{idp.row.id}.") from None
        mapping = self.federation.get_mapping(protocol.mapping_id)
        mapped = rules.process(mapping.rules, assertion)
        group_ids = self._group_ids(mapped)
        if mapped.user_type == rules.LOCAL:
            user = self._local_user(mapped.user)
        else:
            user = self._shadow(idp, protocol_id, mapped.user)
        if not user.enabled:
            raise Unauthorized(f"User {user.id} is disabled.")
        self._provision(user, idp, mapped.projects)
        return Login(user, {"idp": idp.row.id, "protocol": protocol_id, "groups": group_ids})

    # -- references -------------------------------------------------------------------------
    def _domain_id(self, ref: Any, default: str | None = None) -> str:
        if not isinstance(ref, dict):
            if default is None:
                raise rules.MappingFailed("The mapping gives no domain.")
            return default
        try:
            if ref.get("id"):
                return self.resource.get_domain(str(ref["id"])).id
            return self.resource.get_domain_by_name(str(ref["name"])).id
        except (NotFound, KeyError):
            raise rules.MappingFailed(f"The mapping refers to an unknown domain {ref}.") from None

    def _group_ids(self, mapped: rules.Mapped) -> list[str]:
        # A group the mapping names but this cloud lacks grants nothing; it is not an error.
        found: list[str] = []
        for group_id in mapped.group_ids:
            try:
                found.append(self.users.get_group(group_id).id)
            except NotFound:
                LOG.debug("mapped group %s does not exist", group_id)
        for ref in mapped.group_names:
            try:
                domain_id = self._domain_id(ref["domain"])
            except rules.MappingFailed:
                continue
            rows = self.users.list_groups({"name": ref["name"], "domain_id": domain_id})
            found.extend(g.id for g in rows)
        return list(dict.fromkeys(found))

    def _local_user(self, ref: dict[str, Any]) -> User:
        try:
            if ref.get("id"):
                return self.users.get_user(str(ref["id"]))
            domain_id = self._domain_id(ref.get("domain"), "default")
            return self.users.get_user_by_name(str(ref["name"]), domain_id)
        except NotFound:
            raise rules.MappingFailed("The mapped local user does not exist.") from None

    # -- shadow users -----------------------------------------------------------------------
    def _shadow(self, idp: Idp, protocol_id: str, ref: dict[str, Any]) -> User:
        unique_id = str(ref.get("id") or ref["name"])
        name = str(ref.get("name") or unique_id)
        domain_id = self._domain_id(ref.get("domain"), idp.row.domain_id)
        email = ref.get("email")
        for attempt in range(2):
            try:
                return self._shadow_once(idp.row.id, protocol_id, unique_id, name, domain_id,
                                         email)
            except IntegrityError:
                # Two first logins raced; the second finds the first's rows.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _shadow_once(self, idp_id: str, protocol_id: str, unique_id: str, name: str,
                     domain_id: str, email: Any) -> User:
        with self.db.writer() as s:
            link = q.find_link(s, idp_id, unique_id, protocol_id)
            if link is None:
                # The same identity through another protocol of this provider is the same user.
                link = q.find_link(s, idp_id, unique_id)
                user = s.get(User, link.user_id) if link else None
                if user is None:
                    user = self._new_user(s, shadow_user_id(domain_id, unique_id), name,
                                          domain_id)
                s.add(FederatedUser(user_id=user.id, idp_id=idp_id, protocol_id=protocol_id,
                                    unique_id=unique_id, display_name=name))
            else:
                user = s.get(User, link.user_id)
                if user is None:
                    raise Unauthorized("The federated user no longer exists.")
                if link.display_name != name and not user_by_name(s, user.domain_id, name):
                    link.display_name = name
                    user.name = name
            if email and user.email != email:
                user.email = str(email)
            user.last_active_at = utcnow()
            s.flush()
            return user

    def _new_user(self, s: Session, user_id: str, name: str, domain_id: str) -> User:
        existing = s.get(User, user_id)
        if existing is not None:
            return existing
        if user_by_name(s, domain_id, name):
            raise Conflict(resource="user", reason=f"Duplicate entry found with name {name} at "
                           f"domain ID {domain_id}")
        user = User(id=user_id, name=name, domain_id=domain_id, enabled=True, options={},
                    extra={})
        s.add(user)
        s.flush()
        return user

    # -- auto-provisioned projects ----------------------------------------------------------
    def _provision(self, user: User, idp: Idp, projects: list[dict[str, Any]]) -> None:
        for spec in projects:
            name = spec.get("name")
            if not isinstance(name, str) or not name:
                raise rules.MappingFailed("A mapped project needs a single name.")
            domain_id = self._domain_id(spec.get("domain"), idp.row.domain_id)
            try:
                project = self.resource.get_project_by_name(name, domain_id)
            except NotFound:
                try:
                    project = self.resource.create_project(
                        name, domain_id, f"Auto-provisioned for Identity Provider {idp.row.id}")
                except Conflict:
                    project = self.resource.get_project_by_name(name, domain_id)
            for role_ref in spec.get("roles") or []:
                try:
                    role = self.assignment.get_role_by_name(str(role_ref["name"]))
                except NotFound:
                    raise rules.MappingFailed(f"The mapping grants an unknown role "
                                              f"{role_ref['name']}.") from None
                grant = Grant(USER_PROJECT, user.id, project.id, role.id)
                if not self.assignment.check(grant):
                    self.assignment.grant(grant)
