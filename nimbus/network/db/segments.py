"""Queries on network segments."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db.listing import Listing, Number, Text, Time, page_of
from nimbus.network.db.models import Segment, Subnet

LISTING = Listing({
    "id": Text(Segment.id), "network_id": Text(Segment.network_id),
    "name": Text(Segment.name), "description": Text(Segment.description),
    "network_type": Text(Segment.network_type),
    "physical_network": Text(Segment.physical_network),
    "segmentation_id": Number(Segment.segmentation_id),
    "revision_number": Number(Segment.revision_number),
    "created_at": Time(Segment.created_at), "updated_at": Time(Segment.updated_at),
})


def list_page(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
              hidden: Collection[str]) -> Page[Segment]:
    return page_of(session, select(Segment), LISTING, query, filters, hidden)


def get(session: Session, segment_id: str) -> Segment | None:
    return session.get(Segment, segment_id)


def of_network(session: Session, network_id: str) -> list[Segment]:
    return list(session.scalars(select(Segment).where(Segment.network_id == network_id)
                                .order_by(Segment.segment_index)))


def holding(session: Session, network_type: str, physical_network: str | None,
            segmentation_id: int | None) -> Segment | None:
    """The segment that already carries this type, physical network and id, if one does."""
    stmt = select(Segment).where(Segment.network_type == network_type)
    stmt = stmt.where(Segment.physical_network.is_(None) if physical_network is None
                      else Segment.physical_network == physical_network)
    if segmentation_id is not None:
        stmt = stmt.where(Segment.segmentation_id == segmentation_id)
    return session.scalars(stmt.limit(1)).first()


def taken_ids(session: Session, network_type: str, physical_network: str | None) -> set[int]:
    stmt = select(Segment.segmentation_id).where(Segment.network_type == network_type,
                                                 Segment.segmentation_id.is_not(None))
    if physical_network is not None:
        stmt = stmt.where(Segment.physical_network == physical_network)
    return {int(v) for v in session.scalars(stmt) if v is not None}


def next_index(session: Session, network_id: str) -> int:
    last = session.scalar(select(func.max(Segment.segment_index)).where(
        Segment.network_id == network_id))
    return 0 if last is None else int(last) + 1


def subnets_on(session: Session, segment_id: str) -> list[Subnet]:
    return list(session.scalars(select(Subnet).where(Subnet.segment_id == segment_id)))
