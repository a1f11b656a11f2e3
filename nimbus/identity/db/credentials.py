"""Queries on credentials, application credentials, access rules and OAuth consumers."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nimbus.identity.db.models import (
    AccessRule,
    ApplicationCredential,
    Credential,
    OAuthConsumer,
)


# -- /v3/credentials ----------------------------------------------------------------------------
def list_credentials(s: Session, user_id: str | None = None,
                     type_: str | None = None) -> list[Credential]:
    stmt = select(Credential).order_by(Credential.id)
    if user_id:
        stmt = stmt.filter_by(user_id=user_id)
    if type_:
        stmt = stmt.filter_by(type=type_)
    return list(s.scalars(stmt))


def delete_credentials_of(s: Session, user_id: str) -> None:
    s.execute(delete(Credential).where(Credential.user_id == user_id))


# -- application credentials --------------------------------------------------------------------
def app_cred_by_name(s: Session, user_id: str, name: str) -> ApplicationCredential | None:
    return s.scalar(select(ApplicationCredential).filter_by(user_id=user_id, name=name))


def list_app_creds(s: Session, user_id: str,
                   name: str | None = None) -> list[ApplicationCredential]:
    stmt = select(ApplicationCredential).filter_by(user_id=user_id).order_by(
        ApplicationCredential.name)
    if name:
        stmt = stmt.filter_by(name=name)
    return list(s.scalars(stmt))


# -- access rules -------------------------------------------------------------------------------
def find_access_rule(s: Session, user_id: str, service: str, path: str,
                     method: str) -> AccessRule | None:
    return s.scalar(select(AccessRule).filter_by(user_id=user_id, service=service, path=path,
                                                 method=method))


def list_access_rules(s: Session, user_id: str,
                      filters: dict[str, str] | None = None) -> list[AccessRule]:
    stmt = select(AccessRule).filter_by(user_id=user_id).order_by(AccessRule.id)
    for key, value in (filters or {}).items():
        stmt = stmt.filter_by(**{key: value})
    return list(s.scalars(stmt))


def delete_access_rules_of(s: Session, user_id: str) -> None:
    s.execute(delete(AccessRule).where(AccessRule.user_id == user_id))


# -- OAuth consumers ----------------------------------------------------------------------------
def list_consumers(s: Session) -> list[OAuthConsumer]:
    return list(s.scalars(select(OAuthConsumer).order_by(OAuthConsumer.id)))
