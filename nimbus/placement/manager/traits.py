"""Traits: qualitative facts about providers, standard ones in code and ``CUSTOM_*`` ones stored."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError

from nimbus.core import errors
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.placement import constants
from nimbus.placement.db import providers as provider_queries
from nimbus.placement.db import traits as queries
from nimbus.placement.manager.common import check_generation_changed


class TraitManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, names: set[str] | None = None, prefix: str | None = None,
             associated: bool | None = None) -> list[str]:
        """Standard and custom traits, narrowed by name, prefix and whether a provider has them.

        The database narrows what it stores; the exact (case-sensitive) match is made here,
        since SQLite's LIKE and MariaDB's default collation ignore case.
        """
        everything = set(constants.TRAITS)
        if names is not None:
            everything &= names
        if prefix is not None:
            everything = {t for t in everything if t.startswith(prefix)}
        with self.db.reader() as s:
            everything |= queries.custom(s, names, prefix)
            if associated is not None:
                used = queries.associated(s, names, prefix)
                everything = everything & used if associated else everything - used
        if names is not None:
            everything &= names
        if prefix is not None:
            everything = {t for t in everything if t.startswith(prefix)}
        return sorted(everything)

    def exists(self, name: str) -> bool:
        if name in constants.STANDARD_TRAITS:
            return True
        with self.db.reader() as s:
            return queries.custom_row(s, name) is not None

    @retry_on_lock()
    def create(self, name: str) -> bool:
        """Make a custom trait; True when it was new (201), False when it existed (204)."""
        if self.exists(name):
            return False
        try:
            with self.db.writer() as s:
                queries.add_custom(s, name)
        except IntegrityError:
            return False
        return True

    @retry_on_lock()
    def delete(self, name: str) -> None:
        if name in constants.STANDARD_TRAITS:
            raise errors.BadRequest(f"Cannot delete standard trait {name}.")
        with self.db.writer() as s:
            row = queries.custom_row(s, name)
            if row is None:
                raise errors.NotFound(f"No such trait(s): {name}.")
            if queries.in_use(s, name):
                raise errors.Conflict(f"The trait {name} is in use by a resource provider.",
                                      error_code="placement.undefined_code")
            queries.remove_custom(s, row)

    def unknown(self, names: Iterable[str]) -> list[str]:
        """Those of ``names`` that are neither standard nor stored, sorted."""
        wanted = set(names) - constants.STANDARD_TRAITS
        if not wanted:
            return []
        with self.db.reader() as s:
            known = queries.custom(s, wanted)
        return sorted(wanted - known)

    def of_provider(self, uuid: str) -> tuple[int, list[str]]:
        with self.db.reader() as s:
            rp = provider_queries.get(s, uuid)
            return rp.generation, queries.of_provider(s, rp.id)

    @retry_on_lock()
    def set_for_provider(self, uuid: str, generation: int | None,
                         names: list[str]) -> tuple[int, list[str]]:
        """Replace a provider's traits; ``generation`` None skips the check (DELETE)."""
        missing = self.unknown(names)
        if missing:
            raise errors.BadRequest(f"No such trait(s): {', '.join(missing)}.")
        with self.db.writer() as s:
            rp = provider_queries.get(s, uuid)
            expected = rp.generation if generation is None else generation
            check_generation_changed(rp, expected)
            queries.replace_for_provider(s, rp.id, names)
            provider_queries.bump_generation(s, rp, expected)
            return rp.generation, sorted(set(names))
