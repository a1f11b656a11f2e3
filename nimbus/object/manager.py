"""The rules for accounts and containers: autocreation, uniqueness, counts, non-empty deletes.

Accounts exist implicitly (Swift's ``account_autocreate``): reading one that was never written
shows an empty account, and the first write creates its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import Conflict, NotFound
from nimbus.object import timeutil
from nimbus.object.db.models import Account, Container, Object
from nimbus.object.db.queries import ListingQuery, listing
from nimbus.object.objects import live
from nimbus.object.schemas.listing import container_entry, object_entry
from nimbus.object.schemas.metadata import merged


@dataclass
class AccountInfo:
    name: str
    created_ts: str
    put_ts: str
    meta: dict[str, str]
    container_count: int = 0
    object_count: int = 0
    bytes_used: int = 0


@dataclass
class ContainerInfo:
    account: str
    name: str
    created_ts: str
    put_ts: str
    object_count: int
    bytes_used: int
    meta: dict[str, str] = field(default_factory=dict)
    read_acl: str | None = None
    write_acl: str | None = None


def _container_info(account: str, row: Container) -> ContainerInfo:
    return ContainerInfo(account, row.name, row.created_ts, row.put_ts, row.object_count,
                         row.bytes_used, dict(row.meta or {}), row.read_acl, row.write_acl)


class Manager:
    """Accounts and containers; the object flows live in ``objects.py``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- accounts ---------------------------------------------------------------------------

    @staticmethod
    def _account(session: Session, name: str) -> Account | None:
        return session.scalars(select(Account).where(Account.name == name)).first()

    def _ensure_account(self, session: Session, name: str) -> Account:
        row = self._account(session, name)
        if row is None:
            stamp = timeutil.now()
            row = Account(name=name, created_ts=stamp, put_ts=stamp, meta={})
            session.add(row)
            session.flush()
        return row

    def account_info(self, name: str) -> AccountInfo:
        with self.db.reader() as session:
            row = self._account(session, name)
            if row is None:
                stamp = timeutil.now()
                return AccountInfo(name, stamp, stamp, {})
            count, objects, used = session.execute(
                select(func.count(Container.id), func.coalesce(func.sum(Container.object_count), 0),
                       func.coalesce(func.sum(Container.bytes_used), 0))
                .where(Container.account_id == row.id)).one()
            return AccountInfo(name, row.created_ts, row.put_ts, dict(row.meta or {}),
                               int(count), int(objects), int(used))

    @retry_on_lock()
    def update_account(self, name: str, changes: dict[str, str]) -> None:
        """Apply metadata ``changes`` ("" removes a name)."""
        with self.db.writer() as session:
            row = self._ensure_account(session, name)
            row.meta = merged(row.meta or {}, changes, "account")

    def list_containers(self, name: str, query: ListingQuery) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            row = self._account(session, name)
            if row is None:
                return []
            return listing(session, Container, Container.account_id == row.id, query,
                           container_entry)

    # -- containers -------------------------------------------------------------------------

    @staticmethod
    def _container(session: Session, account: str, name: str) -> Container | None:
        return session.scalars(
            select(Container).join(Account, Container.account_id == Account.id)
            .where(Account.name == account, Container.name == name)).first()

    def container_info(self, account: str, name: str) -> ContainerInfo:
        """The container; ``NotFound`` when it does not exist."""
        with self.db.reader() as session:
            row = self._container(session, account, name)
            if row is None:
                raise NotFound(resource="container", id=name)
            return _container_info(account, row)

    def create_container(self, account: str, name: str, changes: dict[str, str],
                         acls: dict[str, str | None]) -> bool:
        """Create the container, or update an existing one; True when it was created."""
        for _attempt in range(3):
            try:
                return self._create_container(account, name, changes, acls)
            except IntegrityError:
                continue  # a concurrent PUT created the same account or container first
        return self._create_container(account, name, changes, acls)

    @retry_on_lock()
    def _create_container(self, account: str, name: str, changes: dict[str, str],
                          acls: dict[str, str | None]) -> bool:
        with self.db.writer() as session:
            acct = self._ensure_account(session, account)
            row = self._container(session, account, name)
            created = row is None
            if row is None:
                stamp = timeutil.now()
                row = Container(account_id=acct.id, name=name, created_ts=stamp, put_ts=stamp,
                                object_count=0, bytes_used=0, meta={})
                session.add(row)
            else:
                row.put_ts = timeutil.after(row.put_ts)
            row.meta = merged(row.meta or {}, changes, "container")
            self._set_acls(row, acls)
            return created

    @staticmethod
    def _set_acls(row: Container, acls: dict[str, str | None]) -> None:
        if "read" in acls:
            row.read_acl = acls["read"] or None
        if "write" in acls:
            row.write_acl = acls["write"] or None

    @retry_on_lock()
    def update_container(self, account: str, name: str, changes: dict[str, str],
                         acls: dict[str, str | None]) -> None:
        with self.db.writer() as session:
            row = self._container(session, account, name)
            if row is None:
                raise NotFound(resource="container", id=name)
            row.meta = merged(row.meta or {}, changes, "container")
            self._set_acls(row, acls)

    @retry_on_lock()
    def delete_container(self, account: str, name: str) -> None:
        """Delete an empty container; ``Conflict`` when it still holds objects."""
        with self.db.writer() as session:
            row = self._container(session, account, name)
            if row is None:
                raise NotFound(resource="container", id=name)
            if row.object_count > 0:
                raise Conflict("There was a conflict when trying to complete your request.")
            session.delete(row)

    def list_objects(self, account: str, name: str, query: ListingQuery) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            row = self._container(session, account, name)
            if row is None:
                raise NotFound(resource="container", id=name)
            scope = (Object.container_id == row.id) & live()
            return listing(session, Object, scope, query, object_entry)
