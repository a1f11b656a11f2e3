"""Flavor queries and writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from nimbus.compute.db.flavor_access import granted_to
from nimbus.compute.db.ids import storable_id
from nimbus.compute.db.models import Flavor
from nimbus.compute.errors import flavor_not_found
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.core.errors import BadRequest, Conflict

# Nova's flavor sort keys that have a column here (``id`` is the flavor's id, as before);
# ``flavorid`` is unique and breaks ties.
SORT_COLUMNS = dict({
    "flavorid": Flavor.flavorid, "id": Flavor.flavorid, "name": Flavor.name,
    "memory_mb": Flavor.memory_mb, "vcpus": Flavor.vcpus, "root_gb": Flavor.root_gb,
    "ephemeral_gb": Flavor.ephemeral_gb, "swap": Flavor.swap,
    "rxtx_factor": Flavor.rxtx_factor, "is_public": Flavor.is_public,
    "disabled": Flavor.disabled, "description": Flavor.description,
    "created_at": Flavor.created_at,
})


@dataclass
class FlavorFilters:
    # True/False: only public/private flavors; None: both.
    is_public: bool | None = True
    min_ram: int | None = None
    min_disk: int | None = None
    # With ``is_public`` True: the private flavors granted to this project are listed too.
    project_id: str | None = None


def find_flavor(db: Database, flavorid: str) -> Flavor | None:
    if not storable_id(flavorid):
        return None
    with db.reader() as s:
        return s.scalar(select(Flavor).filter_by(flavorid=flavorid))


def internal_ids(db: Database, flavorids: list[str]) -> dict[str, int]:
    """The row ids (Nova's instance type ids) of the flavors with these flavorids; a flavor
    deleted since has none."""
    wanted = [f for f in set(flavorids) if storable_id(f)]
    if not wanted:
        return {}
    with db.reader() as s:
        rows = s.execute(select(Flavor.flavorid, Flavor.id).where(Flavor.flavorid.in_(wanted)))
        return {str(flavorid): int(row_id) for flavorid, row_id in rows}


def page_flavors(db: Database, query: PageQuery, filters: FlavorFilters,
                 max_limit: int) -> Page[Flavor]:
    stmt = select(Flavor).where(Flavor.disabled.is_(False))
    if filters.is_public and filters.project_id is not None:
        stmt = stmt.where(or_(Flavor.is_public.is_(True), granted_to(filters.project_id)))
    elif filters.is_public is not None:
        stmt = stmt.where(Flavor.is_public.is_(filters.is_public))
    if filters.min_ram is not None:
        stmt = stmt.where(Flavor.memory_mb >= filters.min_ram)
    if filters.min_disk is not None:
        stmt = stmt.where(Flavor.root_gb >= filters.min_disk)
    with db.reader() as s:
        return page(s, stmt, query, columns=SORT_COLUMNS, tiebreak="flavorid",
                    default_sort=(("flavorid", "asc"),), max_limit=max_limit,
                    bad_marker=lambda m: BadRequest(f"marker [{m}] not found"))


def taken(db: Database, name: str, flavorid: str) -> str | None:
    """Which of the name and the id another flavor already has ("name", "id" or None)."""
    with db.reader() as s:
        if s.scalar(select(Flavor.id).filter_by(name=name)) is not None:
            return "name"
        if s.scalar(select(Flavor.id).filter_by(flavorid=flavorid)) is not None:
            return "id"
    return None


@retry_on_lock()
def create_flavor(db: Database, values: dict[str, Any]) -> Flavor:
    try:
        with db.writer() as s:
            row = Flavor(**values)
            s.add(row)
            s.flush()
            return row
    except IntegrityError:
        raise Conflict(f"Flavor with name {values['name']} already exists.") from None


@retry_on_lock()
def update_flavor(db: Database, flavorid: str, **values: Any) -> Flavor:
    if not storable_id(flavorid):
        raise flavor_not_found(flavorid)
    with db.writer() as s:
        row = s.scalar(select(Flavor).filter_by(flavorid=flavorid))
        if row is None:
            raise flavor_not_found(flavorid)
        for key, value in values.items():
            setattr(row, key, value)
        s.flush()
        return row


@retry_on_lock()
def delete_flavor(db: Database, flavorid: str) -> None:
    if not storable_id(flavorid):
        raise flavor_not_found(flavorid)
    with db.writer() as s:
        row = s.scalar(select(Flavor).filter_by(flavorid=flavorid))
        if row is None:
            raise flavor_not_found(flavorid)
        s.delete(row)


def ids_and_names(db: Database) -> tuple[set[str], set[str]]:
    with db.reader() as s:
        return set(s.scalars(select(Flavor.flavorid)).all()), \
            set(s.scalars(select(Flavor.name)).all())
