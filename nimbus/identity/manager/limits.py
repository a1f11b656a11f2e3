"""Unified limits: registered (default) limits per service and resource, and project overrides.

The enforcement model is Keystone's ``flat``: a project's limit stands alone, with no hierarchy
check between parents and children.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound
from nimbus.identity.db import limits as q
from nimbus.identity.db.models import Limit, RegisteredLimit
from nimbus.identity.manager.catalog import CatalogManager
from nimbus.identity.manager.resource import ResourceManager

MODEL = {"name": "flat", "description": "Limit enforcement and validation does not take "
         "project hierarchy into consideration."}


class LimitManager:
    def __init__(self, db: Database, catalog: CatalogManager, resource: ResourceManager) -> None:
        self.db = db
        self.catalog = catalog
        self.resource = resource

    def _check_refs(self, field: str, service_id: str, region_id: str | None) -> None:
        try:
            self.catalog.get_service(service_id)
        except NotFound:
            raise BadRequest(f"Invalid input for field '{field}.service_id': service "
                             f"{service_id} does not exist.") from None
        if region_id:
            try:
                self.catalog.get_region(region_id)
            except NotFound:
                raise BadRequest(f"Invalid input for field '{field}.region_id': region "
                                 f"{region_id} does not exist.") from None

    # -- registered limits ------------------------------------------------------------------
    @retry_on_lock()
    def create_registered(self, items: list[dict[str, Any]]) -> list[RegisteredLimit]:
        for i, item in enumerate(items):
            self._check_refs(f"registered_limits.{i}", item["service_id"], item.get("region_id"))
        rows: list[RegisteredLimit] = []
        with self.db.writer() as s:
            for item in items:
                key = dict(service_id=item["service_id"], region_id=item.get("region_id"),
                           resource_name=item["resource_name"])
                if q.find_registered(s, **key) or any(
                        (r.service_id, r.region_id, r.resource_name) == tuple(key.values())
                        for r in rows):
                    raise Conflict(resource="registered limit",
                                   reason=f"Duplicate entry: {item['resource_name']} for "
                                          f"service {item['service_id']}")
                row = RegisteredLimit(**key, default_limit=item["default_limit"],
                                      description=item.get("description"))
                s.add(row)
                rows.append(row)
        return rows

    def get_registered(self, limit_id: str) -> RegisteredLimit:
        with self.db.reader() as s:
            row = s.get(RegisteredLimit, limit_id)
        if row is None:
            raise NotFound(resource="registered limit", id=limit_id)
        return row

    def list_registered(self, filters: dict[str, Any]) -> list[RegisteredLimit]:
        with self.db.reader() as s:
            return q.list_registered(s, filters)

    @retry_on_lock()
    def update_registered(self, limit_id: str, changes: dict[str, Any]) -> RegisteredLimit:
        with self.db.writer() as s:
            row = s.get(RegisteredLimit, limit_id)
            if row is None:
                raise NotFound(resource="registered limit", id=limit_id)
            moves = {k for k in ("service_id", "region_id", "resource_name")
                     if k in changes and changes[k] != getattr(row, k)}
            if moves:
                if q.registered_in_use(s, row):
                    raise Forbidden("Cannot update a registered limit that project limits "
                                    "reference.")
                self._check_refs("registered_limit", changes.get("service_id", row.service_id),
                                 changes.get("region_id", row.region_id))
            for key in ("service_id", "region_id", "resource_name", "default_limit",
                        "description"):
                if key in changes:
                    setattr(row, key, changes[key])
            clash = q.find_registered(s, row.service_id, row.region_id, row.resource_name,
                                      other_than=row.id)
            if clash is not None:
                raise Conflict(resource="registered limit",
                               reason=f"Duplicate entry: {row.resource_name}")
        return row

    @retry_on_lock()
    def delete_registered(self, limit_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(RegisteredLimit, limit_id)
            if row is None:
                raise NotFound(resource="registered limit", id=limit_id)
            if q.registered_in_use(s, row):
                raise Forbidden("Cannot delete a registered limit that project limits "
                                "reference.")
            s.delete(row)

    # -- project and domain limits ----------------------------------------------------------
    @retry_on_lock()
    def create_limits(self, items: list[dict[str, Any]]) -> list[Limit]:
        for i, item in enumerate(items):
            field = f"limits.{i}"
            if bool(item.get("project_id")) == bool(item.get("domain_id")):
                raise BadRequest(f"Invalid input for field '{field}': exactly one of "
                                 f"project_id and domain_id is required.")
            if item.get("project_id"):
                self.resource.get_project(item["project_id"])
            else:
                self.resource.get_domain(item["domain_id"])
            self._check_refs(field, item["service_id"], item.get("region_id"))
            if not self.list_registered({"service_id": item["service_id"],
                                         "region_id": item.get("region_id"),
                                         "resource_name": item["resource_name"]}):
                raise BadRequest(f"Invalid input for field '{field}': no registered limit for "
                                 f"{item['resource_name']} of service {item['service_id']}.")
        rows: list[Limit] = []
        with self.db.writer() as s:
            for item in items:
                key = dict(project_id=item.get("project_id"), domain_id=item.get("domain_id"),
                           service_id=item["service_id"], region_id=item.get("region_id"),
                           resource_name=item["resource_name"])
                if q.find_limit(s, key) or any(
                        all(getattr(r, k) == v for k, v in key.items()) for r in rows):
                    raise Conflict(resource="limit",
                                   reason=f"Duplicate entry: {item['resource_name']}")
                row = Limit(**key, resource_limit=item["resource_limit"],
                            description=item.get("description"))
                s.add(row)
                rows.append(row)
        return rows

    def get_limit(self, limit_id: str) -> Limit:
        with self.db.reader() as s:
            row = s.get(Limit, limit_id)
        if row is None:
            raise NotFound(resource="limit", id=limit_id)
        return row

    def list_limits(self, filters: dict[str, Any]) -> list[Limit]:
        with self.db.reader() as s:
            return q.list_limits(s, filters)

    @retry_on_lock()
    def update_limit(self, limit_id: str, changes: dict[str, Any]) -> Limit:
        with self.db.writer() as s:
            row = s.get(Limit, limit_id)
            if row is None:
                raise NotFound(resource="limit", id=limit_id)
            for key in ("resource_limit", "description"):
                if key in changes:
                    setattr(row, key, changes[key])
        return row

    @retry_on_lock()
    def delete_limit(self, limit_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(Limit, limit_id)
            if row is None:
                raise NotFound(resource="limit", id=limit_id)
            s.delete(row)
