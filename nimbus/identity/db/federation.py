"""Queries on OS-FEDERATION: identity providers and their remote ids, protocols, mappings,
service providers, and the links from shadow users to their identity at a provider."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.core.errors import Conflict
from nimbus.identity.db.models import (
    FederatedUser,
    FederationMapping,
    FederationProtocol,
    IdentityProvider,
    IdpRemoteId,
    ServiceProvider,
)


@dataclass
class Idp:
    """An identity provider with the remote ids it is known by."""

    row: IdentityProvider
    remote_ids: list[str]


def remote_ids(s: Session, idp_id: str) -> list[str]:
    return sorted(s.scalars(select(IdpRemoteId.remote_id).filter_by(idp_id=idp_id)))


def with_remote_ids(s: Session, row: IdentityProvider) -> Idp:
    return Idp(row, remote_ids(s, row.id))


def set_remote_ids(s: Session, idp_id: str, wanted: list[str]) -> None:
    """The provider's remote ids become ``wanted``; a 409 if another provider holds one."""
    s.execute(delete(IdpRemoteId).where(IdpRemoteId.idp_id == idp_id))
    s.flush()
    for remote_id in dict.fromkeys(wanted):
        if s.get(IdpRemoteId, remote_id) is not None:
            raise Conflict(resource="identity_provider",
                           reason=f"Duplicate remote ID: {remote_id}")
        s.add(IdpRemoteId(remote_id=remote_id, idp_id=idp_id))


def list_idps(s: Session, filters: dict[str, Any]) -> list[Idp]:
    stmt = select(IdentityProvider).order_by(IdentityProvider.id)
    for key in ("id", "enabled"):
        if filters.get(key) is not None:
            stmt = stmt.filter_by(**{key: filters[key]})
    return [with_remote_ids(s, r) for r in s.scalars(stmt)]


def delete_idp(s: Session, row: IdentityProvider) -> list[str]:
    """Delete the provider, its protocols and remote ids; returns its shadow users' ids."""
    users = sorted(set(s.scalars(select(FederatedUser.user_id).filter_by(idp_id=row.id))))
    s.execute(delete(FederatedUser).where(FederatedUser.idp_id == row.id))
    s.execute(delete(FederationProtocol).where(FederationProtocol.idp_id == row.id))
    s.execute(delete(IdpRemoteId).where(IdpRemoteId.idp_id == row.id))
    s.delete(row)
    return users


def list_protocols(s: Session, idp_id: str) -> list[FederationProtocol]:
    return list(s.scalars(select(FederationProtocol).filter_by(idp_id=idp_id)
                          .order_by(FederationProtocol.id)))


def list_mappings(s: Session) -> list[FederationMapping]:
    return list(s.scalars(select(FederationMapping).order_by(FederationMapping.id)))


def list_sps(s: Session, filters: dict[str, Any]) -> list[ServiceProvider]:
    stmt = select(ServiceProvider).order_by(ServiceProvider.id)
    for key in ("id", "enabled"):
        if filters.get(key) is not None:
            stmt = stmt.filter_by(**{key: filters[key]})
    return list(s.scalars(stmt))


# -- shadow users -------------------------------------------------------------------------------
def links_of(s: Session, user_ids: Iterable[str]) -> list[FederatedUser]:
    return list(s.scalars(select(FederatedUser).where(
        FederatedUser.user_id.in_(list(user_ids))).order_by(FederatedUser.id)))


def find_link(s: Session, idp_id: str, unique_id: str,
              protocol_id: str | None = None) -> FederatedUser | None:
    """The link of an identity at a provider: through ``protocol_id``, or through any."""
    stmt = select(FederatedUser).filter_by(idp_id=idp_id, unique_id=unique_id)
    if protocol_id is not None:
        stmt = stmt.filter_by(protocol_id=protocol_id)
    return s.scalar(stmt.order_by(FederatedUser.id).limit(1))
