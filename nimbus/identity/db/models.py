"""Identity tables: resource, identity, assignment, catalog, credentials and revocations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from nimbus.core.db.base import utcnow

# The tables kept in their own module (policy blobs, OS-EP-FILTER) are imported so that the
# metadata, and so the migrations, know them; ``Base`` is what ``core.db.migrate`` reads here.
from nimbus.identity.db import catalog_models  # noqa: F401
from nimbus.identity.db.base import Base, hex_id

__all__ = ["Base", "catalog_models"]


class Project(Base):
    """Projects and domains alike: a domain is a project row with ``is_domain`` (as Keystone)."""

    __tablename__ = "identity_projects"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)

    id: Mapped[str] = hex_id()
    name: Mapped[str] = mapped_column(String(64))
    domain_id: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_domain: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProjectTag(Base):
    """One tag of a project, beside ``Project.tags``: the list filters search these rows.

    ``Project.tags`` keeps the order the tags were given in, for the API to show; the queries in
    ``db/projects.py`` keep the two in step.
    """

    __tablename__ = "identity_project_tags"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("identity_projects.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)


class User(Base):
    __tablename__ = "identity_users"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)

    id: Mapped[str] = hex_id()
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    default_project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    failed_auth_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_auth_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_active_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Password(Base):
    """Every password a user has had; the newest row is current (history for reuse checks)."""

    __tablename__ = "identity_passwords"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("identity_users.id", ondelete="CASCADE"),
                                         index=True)
    hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    self_service: Mapped[bool] = mapped_column(Boolean, default=False)


class Group(Base):
    __tablename__ = "identity_groups"
    __table_args__ = (UniqueConstraint("domain_id", "name"),)

    id: Mapped[str] = hex_id()
    name: Mapped[str] = mapped_column(String(64))
    domain_id: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")


class GroupMembership(Base):
    __tablename__ = "identity_group_members"

    user_id: Mapped[str] = mapped_column(ForeignKey("identity_users.id", ondelete="CASCADE"),
                                         primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("identity_groups.id", ondelete="CASCADE"),
                                          primary_key=True)


class Role(Base):
    __tablename__ = "identity_roles"
    __table_args__ = (UniqueConstraint("name", "domain_id"),)

    id: Mapped[str] = hex_id()
    name: Mapped[str] = mapped_column(String(255))
    # Global roles keep "<<null>>" (not NULL) so the unique constraint holds on every backend.
    domain_id: Mapped[str] = mapped_column(String(64), default="<<null>>")
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ImpliedRole(Base):
    __tablename__ = "identity_implied_roles"

    prior_role_id: Mapped[str] = mapped_column(
        ForeignKey("identity_roles.id", ondelete="CASCADE"), primary_key=True)
    implied_role_id: Mapped[str] = mapped_column(
        ForeignKey("identity_roles.id", ondelete="CASCADE"), primary_key=True)


class Assignment(Base):
    """A role for an actor (user or group) on a target (project, domain or the system)."""

    __tablename__ = "identity_assignments"
    __table_args__ = (Index("ix_identity_assignments_actor", "actor_id"),
                      Index("ix_identity_assignments_target", "target_id"))

    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    actor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role_id: Mapped[str] = mapped_column(ForeignKey("identity_roles.id", ondelete="CASCADE"),
                                         primary_key=True)
    inherited: Mapped[bool] = mapped_column(Boolean, primary_key=True, default=False)


class Region(Base):
    __tablename__ = "identity_regions"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    parent_region_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Service(Base):
    __tablename__ = "identity_services"

    id: Mapped[str] = hex_id()
    type: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Endpoint(Base):
    __tablename__ = "identity_endpoints"

    id: Mapped[str] = hex_id()
    service_id: Mapped[str] = mapped_column(
        ForeignKey("identity_services.id", ondelete="CASCADE"))
    interface: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(Text)
    region_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RevocationEvent(Base):
    """Revokes every token matching all of its non-null fields issued before ``issued_before``."""

    __tablename__ = "identity_revocation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    domain_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    audit_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    audit_chain_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    role_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Microseconds since the epoch: MariaDB's DATETIME drops fractions, and a token issued in the
    # same second as a revocation must still be judged correctly.
    issued_before_us: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApplicationCredential(Base):
    __tablename__ = "identity_app_creds"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[str] = hex_id()
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(ForeignKey("identity_users.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    unrestricted: Mapped[bool] = mapped_column(Boolean, default=False)
    roles: Mapped[list[Any]] = mapped_column(default=list)
    access_rules: Mapped[list[Any]] = mapped_column(default=list)


class Credential(Base):
    __tablename__ = "identity_credentials"

    id: Mapped[str] = hex_id()
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    type: Mapped[str] = mapped_column(String(255))
    blob: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


# -- OS-FEDERATION ---------------------------------------------------------------------------
class IdentityProvider(Base):
    __tablename__ = "identity_fed_idps"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    domain_id: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    authorization_ttl: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IdpRemoteId(Base):
    """A remote id belongs to one identity provider only (the primary key says so)."""

    __tablename__ = "identity_fed_remote_ids"

    remote_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    idp_id: Mapped[str] = mapped_column(
        ForeignKey("identity_fed_idps.id", ondelete="CASCADE"), index=True)


class FederationProtocol(Base):
    __tablename__ = "identity_fed_protocols"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idp_id: Mapped[str] = mapped_column(
        ForeignKey("identity_fed_idps.id", ondelete="CASCADE"), primary_key=True)
    mapping_id: Mapped[str] = mapped_column(String(64))
    remote_id_attribute: Mapped[str | None] = mapped_column(String(64), nullable=True)


class FederationMapping(Base):
    __tablename__ = "identity_fed_mappings"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rules: Mapped[list[Any]] = mapped_column(default=list)
    schema_version: Mapped[str] = mapped_column(String(8), default="1.0")


class ServiceProvider(Base):
    __tablename__ = "identity_fed_sps"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    auth_url: Mapped[str] = mapped_column(String(256))
    sp_url: Mapped[str] = mapped_column(String(256))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    relay_state_prefix: Mapped[str] = mapped_column(String(255), default="ss:mem:")


class FederatedUser(Base):
    """Links a shadow user to the identity it has at one provider and protocol."""

    __tablename__ = "identity_fed_users"
    __table_args__ = (UniqueConstraint("idp_id", "protocol_id", "unique_id",
                                       name="uq_identity_fed_users_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("identity_users.id", ondelete="CASCADE"),
                                         index=True)
    idp_id: Mapped[str] = mapped_column(
        ForeignKey("identity_fed_idps.id", ondelete="CASCADE"))
    protocol_id: Mapped[str] = mapped_column(String(64))
    unique_id: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255), nullable=True)


class Trust(Base):
    """A delegation of some of a trustor's roles on a project to a trustee (OS-TRUST)."""

    __tablename__ = "identity_trusts"

    id: Mapped[str] = hex_id()
    trustor_user_id: Mapped[str] = mapped_column(String(64), index=True)
    trustee_user_id: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    impersonation: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    remaining_uses: Mapped[int | None] = mapped_column(Integer, nullable=True)
    redelegated_trust_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    redelegation_count: Mapped[int] = mapped_column(Integer, default=0)
    allow_redelegation: Mapped[bool] = mapped_column(Boolean, default=False)
    # Role ids, in the order the trustor named them.
    roles: Mapped[list[Any]] = mapped_column(default=list)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AccessRule(Base):
    """A (service, path, method) an application credential may call; shared by a user's creds."""

    __tablename__ = "identity_access_rules"
    __table_args__ = (UniqueConstraint("user_id", "service", "path", "method"),)

    id: Mapped[str] = hex_id()
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    service: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(16))


class OAuthConsumer(Base):
    __tablename__ = "identity_oauth_consumers"

    id: Mapped[str] = hex_id()
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DomainConfigOption(Base):
    """One option of a domain-specific configuration; ``value`` holds ``{"v": <value>}``."""

    __tablename__ = "identity_domain_configs"

    domain_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    group: Mapped[str] = mapped_column(String(255), primary_key=True)
    option: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)


class RegisteredLimit(Base):
    __tablename__ = "identity_registered_limits"

    id: Mapped[str] = hex_id()
    service_id: Mapped[str] = mapped_column(String(64), index=True)
    region_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    resource_name: Mapped[str] = mapped_column(String(255))
    default_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)


class Limit(Base):
    """A project's (or domain's) override of a registered limit."""

    __tablename__ = "identity_limits"

    id: Mapped[str] = hex_id()
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    domain_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    service_id: Mapped[str] = mapped_column(String(64))
    region_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    resource_name: Mapped[str] = mapped_column(String(255))
    resource_limit: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)


class IdMapping(Base):
    """The public id of a user or group whose own (local) id lives in a domain's LDAP backend.

    The public id is derived from (domain, local id, type), so it is stable; the row lets a public
    id found in a token or an assignment be traced back to its backend entry.
    """

    __tablename__ = "identity_id_mappings"
    __table_args__ = (UniqueConstraint("domain_id", "local_id", "entity_type"),)

    public_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    domain_id: Mapped[str] = mapped_column(String(64))
    local_id: Mapped[str] = mapped_column(String(255))
    entity_type: Mapped[str] = mapped_column(String(16))
