"""QoS specs queries: lookups, the paged listing, the types associated with a spec."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Column, Page, PageQuery, page
from nimbus.volume.constants import MAX_PAGE
from nimbus.volume.db.models import QosSpecs, VolumeType
from nimbus.volume.errors import InvalidInput, QosSpecsNotFound

SORT_COLUMNS: dict[str, Column] = {
    "id": QosSpecs.id,
    "name": QosSpecs.name,
    "consumer": QosSpecs.consumer,
    "created_at": QosSpecs.created_at,
    "updated_at": QosSpecs.updated_at,
}
# Cinder's default sort: newest first, ties by id.
DEFAULT_SORT = (("created_at", "desc"), ("id", "desc"))


def get(s: Session, qos_id: str) -> QosSpecs:
    row = s.get(QosSpecs, qos_id)
    if row is None:
        raise QosSpecsNotFound(id=qos_id)
    return row


def by_name(s: Session, name: str) -> QosSpecs | None:
    return s.scalar(select(QosSpecs).where(QosSpecs.name == name))


def insert(s: Session, **fields: Any) -> QosSpecs:
    row = QosSpecs(**fields)
    s.add(row)
    s.flush()
    return row


def remove(s: Session, row: QosSpecs) -> None:
    s.delete(row)


def listing(s: Session, filters: dict[str, str], query: PageQuery) -> Page[QosSpecs]:
    """One page of the specs, kept to those whose ``name``/``consumer``/``id`` match
    ``filters`` (the filters Cinder allows)."""
    stmt = select(QosSpecs)
    for key, value in filters.items():
        stmt = stmt.where(SORT_COLUMNS[key] == value)
    return page(s, stmt, query, columns=SORT_COLUMNS, default_sort=DEFAULT_SORT,
                max_limit=MAX_PAGE,
                bad_marker=lambda m: QosSpecsNotFound(id=m),
                bad_sort_key=lambda k: InvalidInput(reason=f"Invalid sort key {k}."))


def types_of(s: Session, qos_id: str) -> list[VolumeType]:
    """The volume types associated with the spec, oldest first."""
    stmt = (select(VolumeType).where(VolumeType.qos_specs_id == qos_id)
            .order_by(VolumeType.created_at, VolumeType.id))
    return list(s.scalars(stmt))


def front_end_of(s: Session, type_id: str | None) -> dict[str, Any] | None:
    """The limits a type's QoS spec has the compute host apply (consumer ``front-end`` or
    ``both``); None when there are none."""
    vtype = s.get(VolumeType, type_id) if type_id else None
    qos = s.get(QosSpecs, vtype.qos_specs_id) if vtype is not None and vtype.qos_specs_id \
        else None
    if qos is None or qos.consumer not in ("front-end", "both"):
        return None
    return dict(qos.specs or {})
