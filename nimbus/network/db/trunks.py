"""Queries on trunks and their subports."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import constants as c
from nimbus.network.db.listing import (
    Condition,
    Derived,
    Flag,
    Listing,
    Text,
    matches_nothing,
    page_of,
    standard,
)
from nimbus.network.db.models import Port, SubPort, Trunk


def _status(wanted: Sequence[str]) -> Condition:
    # A trunk is up when its parent port is (``trunk_views.status``; a trunk still wiring a
    # subport, BUILD when shown, filters as ACTIVE).
    up = Trunk.port_id.in_(select(Port.id).where(Port.status == c.ACTIVE))
    conditions = [up] if c.ACTIVE in wanted or "BUILD" in wanted else []
    if c.DOWN in wanted:
        conditions.append(~up)
    return or_(*conditions) if conditions else false()


LISTING = Listing({
    **standard(Trunk),
    "admin_state_up": Flag(Trunk.admin_state_up),
    "status": Derived(_status),
    "port_id": Text(Trunk.port_id),
    # Shown as a list of objects: no filter matches it, as in Neutron.
    "sub_ports": Derived(matches_nothing),
}, tags=Trunk.tags)


def visible(project_id: str | None, everything: bool) -> Condition:
    return true() if everything else Trunk.project_id == (project_id or "")


def list_page(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
              hidden: Collection[str], seen: Condition) -> Page[Trunk]:
    return page_of(session, select(Trunk).where(seen), LISTING, query, filters, hidden)


def get(session: Session, trunk_id: str) -> Trunk | None:
    return session.get(Trunk, trunk_id)


def with_parent(session: Session, port_id: str) -> Trunk | None:
    return session.scalars(select(Trunk).where(Trunk.port_id == port_id)).first()


def with_parents(session: Session, port_ids: Collection[str]) -> dict[str, Trunk]:
    """The trunk of each of these ports that is a parent, by port id."""
    if not port_ids:
        return {}
    rows = session.scalars(select(Trunk).where(Trunk.port_id.in_(list(port_ids))))
    return {row.port_id: row for row in rows}


def subport(session: Session, port_id: str) -> SubPort | None:
    return session.get(SubPort, port_id)


def subports(session: Session, trunk_ids: Collection[str]) -> dict[str, list[SubPort]]:
    """Each trunk's subports, in the order of their VLANs."""
    out: dict[str, list[SubPort]] = {tid: [] for tid in trunk_ids}
    if not trunk_ids:
        return out
    rows = session.scalars(select(SubPort).where(SubPort.trunk_id.in_(list(trunk_ids)))
                           .order_by(SubPort.segmentation_id, SubPort.port_id))
    for row in rows:
        out[row.trunk_id].append(row)
    return out


def all_subports(session: Session) -> list[SubPort]:
    return list(session.scalars(select(SubPort)))


def all_trunks(session: Session) -> list[Trunk]:
    return list(session.scalars(select(Trunk)))
