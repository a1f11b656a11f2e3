"""Group types and their specs: an admin's catalogue of the kinds of group projects make."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.volume.db import group_types as db_group_types
from nimbus.volume.errors import (
    GroupTypeExists,
    GroupTypeInUse,
    GroupTypeNotFound,
    GroupTypeSpecsNotFound,
)

Record = dict[str, Any]


class GroupTypeManager:
    def __init__(self, database: Database, default_name: str = "") -> None:
        self.db = database
        # Cinder's ``default_group_type``: none unless the operator names one.
        self.default_name = default_name

    def get(self, type_id: str) -> Record:
        with self.db.reader() as s:
            return db_group_types.record(db_group_types.get(s, type_id))

    def by_ref(self, ref: str) -> Record:
        """By id or by name (a group's ``group_type``)."""
        with self.db.reader() as s:
            return db_group_types.record(db_group_types.by_ref(s, ref))

    def default(self) -> Record:
        with self.db.reader() as s:
            row = db_group_types.by_name(s, self.default_name) if self.default_name else None
            if row is None:
                raise GroupTypeNotFound("Default group type can not be found.",
                                        id=self.default_name or "default")
            return db_group_types.record(row)

    def listing(self, public: bool | None, query: PageQuery) -> Page[Record]:
        with self.db.reader() as s:
            found = db_group_types.listing(s, public, query)
            return Page([db_group_types.record(r) for r in found.items], more=found.more,
                        previous=found.previous, sort=found.sort)

    @retry_on_lock()
    def create(self, name: str, description: str | None, is_public: bool,
               specs: dict[str, str]) -> Record:
        with self.db.writer() as s:
            if db_group_types.by_name(s, name) is not None:
                raise GroupTypeExists(id=name)
            row = db_group_types.insert(s, name=name, description=description,
                                        is_public=is_public, group_specs=dict(specs))
            return db_group_types.record(row)

    @retry_on_lock()
    def update(self, type_id: str, changes: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            row = db_group_types.get(s, type_id)
            name = changes.get("name")
            if name and name != row.name:
                if db_group_types.by_name(s, name) is not None:
                    raise GroupTypeExists(id=name)
                row.name = name
            if changes.get("description") is not None:
                row.description = changes["description"]
            if changes.get("is_public") is not None:
                row.is_public = bool(changes["is_public"])
            row.updated_at = utcnow()
            return db_group_types.record(row)

    @retry_on_lock()
    def delete(self, type_id: str) -> None:
        with self.db.writer() as s:
            row = db_group_types.get(s, type_id)
            if db_group_types.in_use(s, row.id):
                raise GroupTypeInUse(id=row.id)
            s.delete(row)

    # -- specs --------------------------------------------------------------------------------
    @retry_on_lock()
    def set_specs(self, type_id: str, specs: dict[str, str]) -> dict[str, str]:
        with self.db.writer() as s:
            row = db_group_types.get(s, type_id)
            row.group_specs = {**(row.group_specs or {}), **specs}
            row.updated_at = utcnow()
            return dict(specs)

    def spec(self, type_id: str, key: str) -> str:
        specs = self.get(type_id)["group_specs"]
        if key not in specs:
            raise GroupTypeSpecsNotFound(id=type_id, key=key)
        return str(specs[key])

    @retry_on_lock()
    def unset_spec(self, type_id: str, key: str) -> None:
        with self.db.writer() as s:
            row = db_group_types.get(s, type_id)
            specs = dict(row.group_specs or {})
            if key not in specs:
                raise GroupTypeSpecsNotFound(id=type_id, key=key)
            specs.pop(key)
            row.group_specs = specs
            row.updated_at = utcnow()
