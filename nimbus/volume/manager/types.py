"""Volume types: the bootstrapped ``__DEFAULT__`` and the ones operators add."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.volume.constants import DEFAULT_TYPE
from nimbus.volume.db import groups as db_groups
from nimbus.volume.db import records
from nimbus.volume.db import type_access as db_access
from nimbus.volume.db import types as db_types
from nimbus.volume.db import volumes as db_volumes
from nimbus.volume.db.models import DefaultType
from nimbus.volume.errors import (
    EncryptionTypeExists,
    EncryptionTypeInUse,
    EncryptionTypeNotFound,
    InvalidInput,
    InvalidVolumeType,
    VolumeTypeAccessExists,
    VolumeTypeAccessNotFound,
    VolumeTypeDefaultDeletionError,
    VolumeTypeExists,
    VolumeTypeInUse,
    VolumeTypeNotFound,
    VolumeTypeProjectDefaultNotFound,
)

ENCRYPTION_FIELDS = ("provider", "cipher", "key_size", "control_location")

Record = dict[str, Any]


class TypeManager:
    def __init__(self, database: Database, default_name: str = DEFAULT_TYPE) -> None:
        self.db = database
        self.default_name = default_name

    @retry_on_lock()
    def bootstrap(self) -> Record:
        """Create ``__DEFAULT__`` unless it exists; safe to run at every start."""
        with self.db.writer() as s:
            row = db_types.by_name(s, DEFAULT_TYPE)
            if row is None:
                row = db_types.insert(s, name=DEFAULT_TYPE, description="Default Volume Type",
                                      is_public=True, extra_specs={})
            return records.type_record(row)

    def default(self, project_id: str | None = None) -> Record:
        """The type a volume made without one gets: the project's own default (3.62), else
        the cloud's."""
        with self.db.reader() as s:
            chosen = db_access.default_of(s, project_id) if project_id else None
            if chosen is not None:
                return records.type_record(db_types.get(s, chosen.volume_type_id))
            row = db_types.by_name(s, self.default_name)
            if row is not None:
                return records.type_record(row)
        if self.default_name == DEFAULT_TYPE:
            # A cloud whose bootstrap has not run yet still creates volumes.
            return self.bootstrap()
        raise VolumeTypeNotFound(id=self.default_name)

    def get(self, ref: str) -> Record:
        with self.db.reader() as s:
            return records.type_record(db_types.get(s, ref))

    def visible(self, ref: str, project_id: str | None) -> Record:
        """A type the caller may see and use: any type for admins (``project_id`` None), else
        a public one or a private one given to ``project_id``; others are not found, as in
        Cinder."""
        with self.db.reader() as s:
            row = db_types.get(s, ref)
            if (project_id is not None and not row.is_public
                    and db_access.find(s, row.id, project_id) is None):
                raise VolumeTypeNotFound(id=ref)
            return records.type_record(row)

    def listing(self, public: bool | None, query: PageQuery,
                project_id: str | None = None) -> Page[Record]:
        """One page of types; ``public`` keeps only public (True) or private (False) ones, the
        public ones with the private ones given to ``project_id``."""
        with self.db.reader() as s:
            found = db_types.listing(s, public, query, project_id)
            return Page([records.type_record(r) for r in found.items], more=found.more,
                        previous=found.previous, sort=found.sort)

    def names(self) -> list[str]:
        with self.db.reader() as s:
            return db_types.names(s)

    @retry_on_lock()
    def create(self, name: str, description: str | None, is_public: bool,
               extra_specs: dict[str, str]) -> Record:
        with self.db.writer() as s:
            if db_types.by_name(s, name) is not None:
                raise VolumeTypeExists(id=name)
            row = db_types.insert(s, name=name, description=description, is_public=is_public,
                                  extra_specs=dict(extra_specs))
            return records.type_record(row)

    @retry_on_lock()
    def update(self, ref: str, changes: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            row = db_types.get(s, ref)
            name = changes.get("name")
            if name and name != row.name:
                if db_types.by_name(s, name) is not None:
                    raise VolumeTypeExists(id=name)
                row.name = name
            if "description" in changes:
                row.description = changes["description"]
            if changes.get("is_public") is not None:
                row.is_public = bool(changes["is_public"])
            if "extra_specs" in changes:
                row.extra_specs = {**(row.extra_specs or {}), **changes["extra_specs"]}
            row.updated_at = utcnow()
            return records.type_record(row)

    @retry_on_lock()
    def unset_spec(self, ref: str, key: str) -> None:
        with self.db.writer() as s:
            row = db_types.get(s, ref)
            specs = dict(row.extra_specs or {})
            if key not in specs:
                raise VolumeTypeNotFound(f"Volume Type {row.id} has no extra specs with key "
                                         f"{key}.", id=row.id)
            specs.pop(key)
            row.extra_specs = specs

    @retry_on_lock()
    def delete(self, ref: str) -> None:
        with self.db.writer() as s:
            row = db_types.get(s, ref)
            if row.name == self.default_name:
                raise VolumeTypeInUse("Default volume type can not be deleted.", id=row.id)
            if db_access.projects_defaulting_to(s, row.id):
                raise VolumeTypeDefaultDeletionError(id=row.id)
            # Groups that allow the type use it too (Cinder's rule).
            if db_volumes.of_type(s, row.id) or db_groups.groups_with_type(s, row.id):
                raise VolumeTypeInUse(id=row.id)
            db_types.remove(s, row)

    # -- access to private types -------------------------------------------------------------
    def access_list(self, ref: str) -> list[Record]:
        """The projects given a private type (a public one has no list: Cinder's 404)."""
        with self.db.reader() as s:
            row = db_types.get(s, ref)
            if row.is_public:
                raise VolumeTypeAccessNotFound("Access list not available for public volume "
                                               "types.", type_id=row.id, project_id="")
            return [{"volume_type_id": row.id, "project_id": p}
                    for p in db_access.projects(s, row.id)]

    @retry_on_lock()
    def add_access(self, ref: str, project_id: str) -> None:
        with self.db.writer() as s:
            row = self._private(s, ref)
            if db_access.find(s, row.id, project_id) is not None:
                raise VolumeTypeAccessExists(type_id=ref, project_id=project_id)
            db_access.grant(s, row.id, project_id)

    @retry_on_lock()
    def remove_access(self, ref: str, project_id: str) -> None:
        with self.db.writer() as s:
            row = self._private(s, ref)
            found = db_access.find(s, row.id, project_id)
            if found is None:
                raise VolumeTypeAccessNotFound(type_id=ref, project_id=project_id)
            db_access.revoke(s, found)

    @staticmethod
    def _private(s: Any, ref: str) -> Any:
        row = db_types.get(s, ref)
        if row.is_public:
            raise InvalidVolumeType(reason="Type access modification is not applicable to "
                                           "public volume type.")
        return row

    # -- project default types (3.62) ------------------------------------------------------------
    @retry_on_lock()
    def set_default(self, project_id: str, ref: str) -> Record:
        with self.db.writer() as s:
            try:
                type_id = db_types.get(s, ref).id
            except VolumeTypeNotFound as exc:
                # Cinder answers a type it cannot find in the body as a bad request.
                raise InvalidInput(exc.message, reason=exc.message) from None
            row = db_access.default_of(s, project_id)
            if row is None:
                row = DefaultType(project_id=project_id, volume_type_id=type_id)
                s.add(row)
            else:
                row.volume_type_id = type_id
                row.updated_at = utcnow()
            return {"project_id": project_id, "volume_type_id": type_id}

    def get_default(self, project_id: str) -> Record:
        with self.db.reader() as s:
            row = db_access.default_of(s, project_id)
            if row is None:
                raise VolumeTypeProjectDefaultNotFound(project_id=project_id)
            return {"project_id": row.project_id, "volume_type_id": row.volume_type_id}

    def defaults(self) -> list[Record]:
        with self.db.reader() as s:
            return [{"project_id": r.project_id, "volume_type_id": r.volume_type_id}
                    for r in db_access.defaults(s)]

    @retry_on_lock()
    def unset_default(self, project_id: str) -> None:
        """Forget the project's default; one it never had is no error (Cinder's 204)."""
        with self.db.writer() as s:
            row = db_access.default_of(s, project_id)
            if row is not None:
                s.delete(row)

    # -- encryption (Cinder's encryption types) ---------------------------------------------
    def encryption(self, ref: str) -> Record | None:
        """The type's encryption, or None when its volumes are not encrypted."""
        return self.get(ref)["encryption"]

    @retry_on_lock()
    def create_encryption(self, ref: str, spec: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            row = db_types.get(s, ref)
            if row.encryption:
                raise EncryptionTypeExists(type_id=row.id)
            self._not_in_use(s, row.id, "create")
            now = utcnow().isoformat()
            row.encryption = {"encryption_id": new_id(), "control_location": "front-end",
                              "cipher": None, "key_size": None,
                              **{k: spec[k] for k in ENCRYPTION_FIELDS if k in spec},
                              "created_at": now, "updated_at": None}
            return records.type_record(row)["encryption"]  # type: ignore[no-any-return]

    @retry_on_lock()
    def update_encryption(self, ref: str, spec: dict[str, Any]) -> Record:
        with self.db.writer() as s:
            row = db_types.get(s, ref)
            if not row.encryption:
                raise EncryptionTypeNotFound(type_id=row.id)
            self._not_in_use(s, row.id, "update")
            row.encryption = {**row.encryption,
                              **{k: spec[k] for k in ENCRYPTION_FIELDS if k in spec},
                              "updated_at": utcnow().isoformat()}
            return records.type_record(row)["encryption"]  # type: ignore[no-any-return]

    @retry_on_lock()
    def delete_encryption(self, ref: str) -> None:
        with self.db.writer() as s:
            row = db_types.get(s, ref)
            if not row.encryption:
                raise EncryptionTypeNotFound(type_id=row.id)
            self._not_in_use(s, row.id, "delete")
            row.encryption = None

    @staticmethod
    def _not_in_use(s: Any, type_id: str, action: str) -> None:
        # Volumes made with the type keep the encryption they were made with: changing it
        # under them would describe their data wrongly.
        if db_volumes.of_type(s, type_id):
            raise EncryptionTypeInUse(action=action)
