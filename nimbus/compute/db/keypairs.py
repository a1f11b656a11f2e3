"""Keypair queries and writes: one name per user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nimbus.compute.db.ids import storable_id
from nimbus.compute.db.models import KeyPair
from nimbus.compute.errors import keypair_not_found
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.core.errors import BadRequest, Conflict

# A user's keypairs list by name (unique per user).
_COLUMNS = dict({"name": KeyPair.name})


def page_keypairs(db: Database, user_id: str, query: PageQuery,
                  max_limit: int | None) -> Page[KeyPair]:
    stmt = select(KeyPair).filter_by(user_id=user_id)
    with db.reader() as s:
        return page(s, stmt, query, columns=_COLUMNS, tiebreak="name", max_limit=max_limit,
                    bad_marker=lambda m: BadRequest(f"marker [{m}] not found"))


def find_keypair(db: Database, user_id: str, name: str) -> KeyPair | None:
    if not (storable_id(user_id) and storable_id(name)):
        return None
    with db.reader() as s:
        return s.scalar(select(KeyPair).filter_by(user_id=user_id, name=name))


@retry_on_lock()
def create_keypair(db: Database, values: dict[str, Any]) -> KeyPair:
    conflict = Conflict(f"Key pair '{values['name']}' already exists.")
    try:
        with db.writer() as s:
            found = s.scalar(select(KeyPair.id).filter_by(user_id=values["user_id"],
                                                         name=values["name"]))
            if found is not None:
                raise conflict
            row = KeyPair(**values)
            s.add(row)
            s.flush()
            return row
    except IntegrityError:
        raise conflict from None


@retry_on_lock()
def delete_keypair(db: Database, user_id: str, name: str) -> None:
    if not (storable_id(user_id) and storable_id(name)):
        raise keypair_not_found(user_id, name)
    with db.writer() as s:
        row = s.scalar(select(KeyPair).filter_by(user_id=user_id, name=name))
        if row is None:
            raise keypair_not_found(user_id, name)
        s.delete(row)
