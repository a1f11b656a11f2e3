"""Flavors: the rules (unique names and ids, the default set) and their storage."""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nimbus.compute.db.models import Flavor
from nimbus.core.db.base import new_id
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import Conflict, NotFound

# (flavorid, name, memory_mb, vcpus, root_gb): the flavors a fresh cloud offers.
DEFAULT_FLAVORS = [
    ("42", "m1.nano", 64, 1, 0),
    ("84", "m1.micro", 128, 1, 0),
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 1, 20),
    ("3", "m1.medium", 4096, 2, 40),
    ("4", "m1.large", 8192, 4, 80),
]


def flavor_not_found(flavorid: str) -> NotFound:
    return NotFound(f"Flavor {flavorid} could not be found.", resource="flavor", id=flavorid)


def snapshot(flavor: Flavor) -> dict[str, Any]:
    """What a server keeps of its flavor (the shape of the >= 2.47 embedded flavor)."""
    return {"id": flavor.flavorid, "name": flavor.name, "ram": flavor.memory_mb,
            "vcpus": flavor.vcpus, "disk": flavor.root_gb, "ephemeral": flavor.ephemeral_gb,
            "swap": flavor.swap, "extra_specs": dict(flavor.extra_specs or {})}


class FlavorManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, flavorid: str) -> Flavor:
        with self.db.reader() as s:
            row = s.scalar(select(Flavor).filter_by(flavorid=flavorid))
        if row is None:
            raise flavor_not_found(flavorid)
        return row

    def list(self, *, is_public: bool | None = True, project_admin: bool = False,
             min_ram: int | None = None, min_disk: int | None = None, sort_key: str = "flavorid",
             sort_dir: str = "asc") -> list[Flavor]:
        columns = {"flavorid": Flavor.flavorid, "id": Flavor.flavorid, "name": Flavor.name,
                   "memory_mb": Flavor.memory_mb, "vcpus": Flavor.vcpus,
                   "root_gb": Flavor.root_gb, "created_at": Flavor.created_at}
        column = columns.get(sort_key, Flavor.flavorid)
        stmt = select(Flavor).where(Flavor.disabled.is_(False))
        if is_public is not None or not project_admin:
            stmt = stmt.where(Flavor.is_public.is_(True if is_public is None else is_public))
        if min_ram is not None:
            stmt = stmt.where(Flavor.memory_mb >= min_ram)
        if min_disk is not None:
            stmt = stmt.where(Flavor.root_gb >= min_disk)
        stmt = stmt.order_by(column.desc() if sort_dir == "desc" else column.asc(), Flavor.id)
        with self.db.reader() as s:
            return list(s.scalars(stmt).all())

    @retry_on_lock()
    def create(self, values: dict[str, Any]) -> Flavor:
        flavorid = values.get("flavorid") or new_id()
        values = dict(values, flavorid=flavorid)
        with self.db.reader() as s:
            if s.scalar(select(Flavor.id).filter_by(name=values["name"])) is not None:
                raise Conflict(f"Flavor with name {values['name']} already exists.")
            if s.scalar(select(Flavor.id).filter_by(flavorid=flavorid)) is not None:
                raise Conflict(f"Flavor with ID {flavorid} already exists.")
        try:
            with self.db.writer() as s:
                row = Flavor(**values)
                s.add(row)
                s.flush()
                return row
        except IntegrityError:
            raise Conflict(f"Flavor with name {values['name']} already exists.") from None

    @retry_on_lock()
    def update(self, flavorid: str, **values: Any) -> Flavor:
        with self.db.writer() as s:
            row = s.scalar(select(Flavor).filter_by(flavorid=flavorid))
            if row is None:
                raise flavor_not_found(flavorid)
            for key, value in values.items():
                setattr(row, key, value)
            s.flush()
            return row

    @retry_on_lock()
    def delete(self, flavorid: str) -> None:
        with self.db.writer() as s:
            row = s.scalar(select(Flavor).filter_by(flavorid=flavorid))
            if row is None:
                raise flavor_not_found(flavorid)
            s.delete(row)

    def set_extra_specs(self, flavorid: str, specs: dict[str, str]) -> dict[str, str]:
        current = dict(self.get(flavorid).extra_specs or {})
        current.update(specs)
        self.update(flavorid, extra_specs=current)
        return current

    def delete_extra_spec(self, flavorid: str, key: str) -> None:
        current = dict(self.get(flavorid).extra_specs or {})
        if key not in current:
            raise NotFound(f"Flavor {flavorid} has no extra specs with key {key}.")
        del current[key]
        self.update(flavorid, extra_specs=current)

    def ensure_defaults(self) -> None:
        """Create the default flavors that are missing; never touches ones that exist."""
        with self.db.reader() as s:
            have_ids = set(s.scalars(select(Flavor.flavorid)).all())
            have_names = set(s.scalars(select(Flavor.name)).all())
        for flavorid, name, ram, vcpus, disk in DEFAULT_FLAVORS:
            if flavorid in have_ids or name in have_names:
                continue
            # Conflict: another process bootstrapping at the same moment got there first.
            with contextlib.suppress(Conflict):
                self.create({"flavorid": flavorid, "name": name, "memory_mb": ram,
                             "vcpus": vcpus, "root_gb": disk})
