"""Custom resource class queries (the standard classes live in code, not in a table)."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from nimbus.placement.db.models import Allocation, CustomResourceClass, Inventory


def custom_names(session: Session) -> list[str]:
    """Custom classes, oldest first."""
    return list(session.scalars(select(CustomResourceClass.name)
                                .order_by(CustomResourceClass.id)))


def custom_row(session: Session, name: str) -> CustomResourceClass | None:
    return session.scalars(select(CustomResourceClass)
                           .where(CustomResourceClass.name == name)).first()


def custom_exists(session: Session, name: str) -> bool:
    return session.scalar(select(CustomResourceClass.id)
                          .where(CustomResourceClass.name == name)) is not None


def add_custom(session: Session, name: str) -> None:
    session.add(CustomResourceClass(name=name))


def remove_custom(session: Session, row: CustomResourceClass) -> None:
    session.delete(row)


def in_use(session: Session, name: str) -> bool:
    """Whether any inventory or allocation counts the class."""
    return any(session.scalar(select(exists().where(model.resource_class == name)))
               for model in (Inventory, Allocation))
