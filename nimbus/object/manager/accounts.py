"""The rules for accounts: autocreation, metadata and the container listing.

Accounts exist implicitly (Swift's ``account_autocreate``): reading one that was never written
shows an empty account, and the first write creates its row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.object.db import accounts, listings
from nimbus.object.db.models import Account
from nimbus.object.drivers import timestamps
from nimbus.object.manager.records import AccountInfo, ListingQuery
from nimbus.object.schemas.listing import container_entry
from nimbus.object.schemas.metadata import merged


class AccountManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def ensure(session: Session, name: str) -> Account:
        """The account's row, created now if this is its first write."""
        row = accounts.find(session, name)
        return row if row is not None else accounts.add(session, name, timestamps.now())

    def account_info(self, name: str) -> AccountInfo:
        with self.db.reader() as session:
            row = accounts.find(session, name)
            if row is None:
                stamp = timestamps.now()
                return AccountInfo(name, stamp, stamp, {})
            count, objects, used = accounts.usage(session, row.id)
            return AccountInfo(name, row.created_ts, row.put_ts, dict(row.meta or {}),
                               count, objects, used)

    @retry_on_lock()
    def update_account(self, name: str, changes: dict[str, str]) -> None:
        """Apply metadata ``changes`` ("" removes a name)."""
        with self.db.writer() as session:
            row = self.ensure(session, name)
            row.meta = merged(row.meta or {}, changes, "account")

    def list_containers(self, name: str, query: ListingQuery) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            row = accounts.find(session, name)
            if row is None:
                return []
            return listings.containers_of(session, row.id, query, container_entry)
