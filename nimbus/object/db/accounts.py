"""Account rows: found by name, created on first write, and their usage summed from containers."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.object.db.models import Account, Container


def find(session: Session, name: str) -> Account | None:
    return session.scalars(select(Account).where(Account.name == name)).first()


def add(session: Session, name: str, stamp: str) -> Account:
    """A new account row, flushed so that its id can be used at once."""
    row = Account(name=name, created_ts=stamp, put_ts=stamp, meta={})
    session.add(row)
    session.flush()
    return row


def usage(session: Session, account_id: int) -> tuple[int, int, int]:
    """(containers, objects, bytes) of the account, summed in SQL."""
    count, objects, used = session.execute(
        select(func.count(Container.id), func.coalesce(func.sum(Container.object_count), 0),
               func.coalesce(func.sum(Container.bytes_used), 0))
        .where(Container.account_id == account_id)).one()
    return int(count), int(objects), int(used)
