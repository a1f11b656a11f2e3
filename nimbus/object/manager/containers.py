"""The rules for containers: uniqueness, ACLs, metadata, non-empty deletes and the object listing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import Conflict, NotFound
from nimbus.object.db import containers, listings
from nimbus.object.db.models import Container
from nimbus.object.drivers import timestamps
from nimbus.object.manager import expiry
from nimbus.object.manager.accounts import AccountManager
from nimbus.object.manager.records import ContainerInfo, ListingQuery, container_info
from nimbus.object.schemas.listing import object_entry
from nimbus.object.schemas.metadata import merged


def require(session: Session, account: str, name: str) -> Container:
    """The container's row; ``NotFound`` when it does not exist."""
    row = containers.find(session, account, name)
    if row is None:
        raise NotFound(resource="container", id=name)
    return row


class ContainerManager:
    def __init__(self, db: Database, accounts: AccountManager) -> None:
        self.db = db
        self.accounts = accounts

    def container_info(self, account: str, name: str) -> ContainerInfo:
        """The container; ``NotFound`` when it does not exist."""
        with self.db.reader() as session:
            return container_info(account, require(session, account, name))

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
            acct = self.accounts.ensure(session, account)
            row = containers.find(session, account, name)
            created = row is None
            if row is None:
                row = containers.add(session, acct.id, name, timestamps.now())
            else:
                row.put_ts = timestamps.after(row.put_ts)
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
            row = require(session, account, name)
            row.meta = merged(row.meta or {}, changes, "container")
            self._set_acls(row, acls)

    @retry_on_lock()
    def delete_container(self, account: str, name: str) -> None:
        """Delete an empty container; ``Conflict`` when it still holds objects."""
        with self.db.writer() as session:
            row = require(session, account, name)
            if row.object_count > 0:
                raise Conflict("There was a conflict when trying to complete your request.")
            containers.remove(session, row)

    def list_objects(self, account: str, name: str, query: ListingQuery) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            row = require(session, account, name)
            return listings.objects_of(session, row.id, query, expiry.now(), object_entry)
