"""Volume types: the bootstrapped ``__DEFAULT__`` and the ones operators add."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.volume.db import api as db
from nimbus.volume.db.models import Volume, VolumeType
from nimbus.volume.errors import VolumeTypeExists, VolumeTypeInUse, VolumeTypeNotFound

# Declared outside the class, whose ``list`` method shadows the builtin.
Records = list[dict[str, Any]]
DEFAULT_TYPE = "__DEFAULT__"


class TypeManager:
    def __init__(self, database: Database, default_name: str = DEFAULT_TYPE) -> None:
        self.db = database
        self.default_name = default_name

    @retry_on_lock()
    def bootstrap(self) -> dict[str, Any]:
        """Create ``__DEFAULT__`` unless it exists; safe to run at every start."""
        with self.db.writer() as s:
            row = s.scalar(select(VolumeType).filter_by(name=DEFAULT_TYPE))
            if row is None:
                row = VolumeType(name=DEFAULT_TYPE, description="Default Volume Type",
                                 is_public=True, extra_specs={})
                s.add(row)
                s.flush()
            return db.type_record(row)

    def default(self) -> dict[str, Any]:
        with self.db.reader() as s:
            row = s.scalar(select(VolumeType).filter_by(name=self.default_name))
            if row is not None:
                return db.type_record(row)
        if self.default_name == DEFAULT_TYPE:
            # A cloud whose bootstrap has not run yet still creates volumes.
            return self.bootstrap()
        raise VolumeTypeNotFound(id=self.default_name)

    def get(self, ref: str) -> dict[str, Any]:
        with self.db.reader() as s:
            return db.type_record(db.type_row(s, ref))

    def list(self, include_private: bool) -> Records:
        with self.db.reader() as s:
            stmt = select(VolumeType).order_by(VolumeType.created_at, VolumeType.name)
            if not include_private:
                stmt = stmt.filter_by(is_public=True)
            return [db.type_record(r) for r in s.scalars(stmt)]

    @retry_on_lock()
    def create(self, name: str, description: str | None, is_public: bool,
               extra_specs: dict[str, str]) -> dict[str, Any]:
        with self.db.writer() as s:
            if s.scalar(select(VolumeType).filter_by(name=name)) is not None:
                raise VolumeTypeExists(id=name)
            row = VolumeType(name=name, description=description, is_public=is_public,
                             extra_specs=dict(extra_specs))
            s.add(row)
            s.flush()
            return db.type_record(row)

    @retry_on_lock()
    def update(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as s:
            row = db.type_row(s, ref)
            name = changes.get("name")
            if name and name != row.name:
                if s.scalar(select(VolumeType).filter_by(name=name)) is not None:
                    raise VolumeTypeExists(id=name)
                row.name = name
            if "description" in changes:
                row.description = changes["description"]
            if changes.get("is_public") is not None:
                row.is_public = bool(changes["is_public"])
            if "extra_specs" in changes:
                row.extra_specs = {**(row.extra_specs or {}), **changes["extra_specs"]}
            row.updated_at = utcnow()
            return db.type_record(row)

    @retry_on_lock()
    def unset_spec(self, ref: str, key: str) -> None:
        with self.db.writer() as s:
            row = db.type_row(s, ref)
            specs = dict(row.extra_specs or {})
            if key not in specs:
                raise VolumeTypeNotFound(f"Volume Type {row.id} has no extra specs with key "
                                         f"{key}.", id=row.id)
            specs.pop(key)
            row.extra_specs = specs

    @retry_on_lock()
    def delete(self, ref: str) -> None:
        with self.db.writer() as s:
            row = db.type_row(s, ref)
            in_use = s.scalar(select(func.count(Volume.id)).filter_by(volume_type_id=row.id))
            if row.name == self.default_name:
                raise VolumeTypeInUse("Default volume type can not be deleted.", id=row.id)
            if in_use:
                raise VolumeTypeInUse(id=row.id)
            s.delete(row)
