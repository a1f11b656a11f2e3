"""Container rows, found by their account's name and their own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.object.db.models import Account, Container


def find(session: Session, account: str, name: str) -> Container | None:
    return session.scalars(
        select(Container).join(Account, Container.account_id == Account.id)
        .where(Account.name == account, Container.name == name)).first()


def add(session: Session, account_id: int, name: str, stamp: str) -> Container:
    row = Container(account_id=account_id, name=name, created_ts=stamp, put_ts=stamp,
                    object_count=0, bytes_used=0, meta={})
    session.add(row)
    return row


def remove(session: Session, row: Container) -> None:
    session.delete(row)


def get(session: Session, container_id: int) -> Container | None:
    return session.get(Container, container_id)
