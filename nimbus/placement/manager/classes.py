"""Resource classes: the standard ones in code, custom ``CUSTOM_*`` ones in the database."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from nimbus.core import errors
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.placement import constants
from nimbus.placement.db import classes as queries
from nimbus.placement.manager.common import resource_class_exists


class ResourceClassManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def names(self) -> list[str]:
        with self.db.reader() as s:
            return list(constants.RESOURCE_CLASSES) + queries.custom_names(s)

    def exists(self, name: str) -> bool:
        with self.db.reader() as s:
            return resource_class_exists(s, name)

    @retry_on_lock()
    def create(self, name: str, exist_ok: bool = False) -> bool:
        """Add a custom class; True when new. An existing one is a 409 unless ``exist_ok``."""
        if self.exists(name):
            if exist_ok:
                return False
            raise errors.Conflict(f"Conflicting resource class already exists: {name}",
                                  error_code="placement.undefined_code")
        try:
            with self.db.writer() as s:
                queries.add_custom(s, name)
        except IntegrityError:
            if exist_ok:
                return False
            raise errors.Conflict(f"Conflicting resource class already exists: {name}",
                                  error_code="placement.undefined_code") from None
        return True

    @retry_on_lock()
    def rename(self, old: str, new: str) -> None:
        """PUT /resource_classes/{name} before 1.7 renamed a custom class."""
        if old in constants.STANDARD_CLASSES:
            raise errors.BadRequest(f"Cannot update standard resource class {old}")
        with self.db.writer() as s:
            row = queries.custom_row(s, old)
            if row is None:
                raise errors.NotFound(f"No such resource class {old}.")
            if resource_class_exists(s, new):
                raise errors.Conflict(f"Resource class already exists: {new}",
                                      error_code="placement.undefined_code")
            row.name = new

    @retry_on_lock()
    def delete(self, name: str) -> None:
        if name in constants.STANDARD_CLASSES:
            raise errors.BadRequest(f"Error in delete resource class: Cannot delete standard "
                                    f"resource class {name}: ")
        with self.db.writer() as s:
            row = queries.custom_row(s, name)
            if row is None:
                raise errors.NotFound(f"No such resource class {name}.")
            if queries.in_use(s, name):
                raise errors.Conflict(
                    f"Error in delete resource class: Unable to delete resource class {name}. "
                    "Class is in use in inventory.",
                    error_code="placement.undefined_code")
            queries.remove_custom(s, row)
