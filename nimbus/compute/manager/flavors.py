"""Flavors: the rules (unique names and ids, who sees private ones, the default set)."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from nimbus.compute.db import flavor_access as access_db
from nimbus.compute.db import flavors as db
from nimbus.compute.db.models import Flavor
from nimbus.compute.errors import flavor_not_found
from nimbus.core.db.base import new_id
from nimbus.core.db.engine import Database
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import Conflict, NotFound

__all__ = ["DEFAULT_FLAVORS", "Flavor", "FlavorManager", "snapshot"]

# (flavorid, name, memory_mb, vcpus, root_gb): the flavors a fresh cloud offers.
DEFAULT_FLAVORS = [
    ("42", "m1.nano", 64, 1, 0),
    ("84", "m1.micro", 128, 1, 0),
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 1, 20),
    ("3", "m1.medium", 4096, 2, 40),
    ("4", "m1.large", 8192, 4, 80),
]


def snapshot(flavor: Flavor) -> dict[str, Any]:
    """What a server keeps of its flavor (the shape of the >= 2.47 embedded flavor)."""
    return {"id": flavor.flavorid, "name": flavor.name, "ram": flavor.memory_mb,
            "vcpus": flavor.vcpus, "disk": flavor.root_gb, "ephemeral": flavor.ephemeral_gb,
            "swap": flavor.swap, "extra_specs": dict(flavor.extra_specs or {})}


class FlavorManager:
    def __init__(self, db: Database, max_limit: int) -> None:
        self.db = db
        self.max_limit = max_limit

    def get(self, flavorid: str) -> Flavor:
        row = db.find_flavor(self.db, flavorid)
        if row is None:
            raise flavor_not_found(flavorid)
        return row

    def visible(self, flavorid: str, is_admin: bool, project_id: str | None = None) -> Flavor:
        """The flavor, or 404 for a private one the caller is neither an admin nor granted."""
        flavor = self.get(flavorid)
        if not flavor.is_public and not is_admin and not (
                project_id is not None and access_db.has_access(self.db, flavor.id, project_id)):
            raise flavor_not_found(flavorid)
        return flavor

    def page(self, query: PageQuery, *, is_public: bool | None, min_ram: int | None,
             min_disk: int | None, project_id: str | None = None) -> Page[Flavor]:
        """One page of the enabled flavors; ``is_public`` None means public and private, True
        public ones and the private ones granted to ``project_id``. A sort key Nova knows but
        that has no column here sorts by id."""
        sort = tuple((key if key in db.SORT_COLUMNS else "flavorid", direction)
                     for key, direction in query.sort)
        filters = db.FlavorFilters(is_public=is_public, min_ram=min_ram, min_disk=min_disk,
                                   project_id=project_id)
        return db.page_flavors(self.db, dataclasses.replace(query, sort=sort), filters,
                               self.max_limit)

    def create(self, values: dict[str, Any]) -> Flavor:
        flavorid = values.get("flavorid") or new_id()
        values = dict(values, flavorid=flavorid)
        clash = db.taken(self.db, values["name"], flavorid)
        if clash == "name":
            raise Conflict(f"Flavor with name {values['name']} already exists.")
        if clash == "id":
            raise Conflict(f"Flavor with ID {flavorid} already exists.")
        return db.create_flavor(self.db, values)

    def update(self, flavorid: str, **values: Any) -> Flavor:
        return db.update_flavor(self.db, flavorid, **values)

    def delete(self, flavorid: str) -> None:
        db.delete_flavor(self.db, flavorid)

    # -- access to private flavors -----------------------------------------------------------
    def access(self, flavorid: str) -> list[str]:
        """The projects granted a private flavor; a public one has no list (404)."""
        flavor = self.get(flavorid)
        if flavor.is_public:
            raise NotFound("Access list not available for public flavors.")
        return access_db.projects(self.db, flavor.id)

    def grant(self, flavorid: str, project_id: str, refuse_public: bool) -> list[str]:
        """Grant ``project_id`` the flavor; ``refuse_public`` (2.7+): a public one is a 409."""
        flavor = self.get(flavorid)
        if refuse_public and flavor.is_public:
            raise Conflict("Can not add access to a public flavor.")
        access_db.grant(self.db, flavor.id, flavor.flavorid, project_id)
        return access_db.projects(self.db, flavor.id)

    def revoke(self, flavorid: str, project_id: str) -> list[str]:
        flavor = self.get(flavorid)
        if not access_db.revoke(self.db, flavor.id, project_id):
            raise NotFound(f"Flavor access not found for {flavorid} / {project_id} "
                           "combination.")
        return access_db.projects(self.db, flavor.id)

    def set_extra_specs(self, flavorid: str, specs: dict[str, str]) -> dict[str, str]:
        current = dict(self.get(flavorid).extra_specs or {})
        current.update(specs)
        db.update_flavor(self.db, flavorid, extra_specs=current)
        return current

    def delete_extra_spec(self, flavorid: str, key: str) -> None:
        current = dict(self.get(flavorid).extra_specs or {})
        if key not in current:
            raise NotFound(f"Flavor {flavorid} has no extra specs with key {key}.")
        del current[key]
        db.update_flavor(self.db, flavorid, extra_specs=current)

    def ensure_defaults(self) -> None:
        """Create the default flavors that are missing; never touches ones that exist."""
        have_ids, have_names = db.ids_and_names(self.db)
        for flavorid, name, ram, vcpus, disk in DEFAULT_FLAVORS:
            if flavorid in have_ids or name in have_names:
                continue
            # Conflict: another process bootstrapping at the same moment got there first.
            with contextlib.suppress(Conflict):
                self.create({"flavorid": flavorid, "name": name, "memory_mb": ram,
                             "vcpus": vcpus, "root_gb": disk})
