"""Regions, services and endpoints, and the catalog a token carries."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, Conflict, NotFound
from nimbus.identity.constants import INTERFACES
from nimbus.identity.db import catalog as q
from nimbus.identity.db.models import Endpoint, Region, Service
from nimbus.identity.manager.catalog_extras import CatalogExtrasManager


class CatalogManager:
    def __init__(self, db: Database, extras: CatalogExtrasManager) -> None:
        self.db = db
        # OS-EP-FILTER narrows the catalog of projects with endpoint associations.
        self.extras = extras

    # -- regions ----------------------------------------------------------------------------
    @retry_on_lock()
    def create_region(self, region_id: str, description: str = "",
                      parent_region_id: str | None = None) -> Region:
        with self.db.writer() as s:
            if s.get(Region, region_id):
                raise Conflict(resource="region", reason=f"Duplicate ID, {region_id}")
            if parent_region_id and s.get(Region, parent_region_id) is None:
                raise NotFound(resource="region", id=parent_region_id)
            region = Region(id=region_id, description=description or "",
                            parent_region_id=parent_region_id or None)
            s.add(region)
        return region

    def get_region(self, region_id: str) -> Region:
        with self.db.reader() as s:
            row = s.get(Region, region_id)
        if row is None:
            raise NotFound(resource="region", id=region_id)
        return row

    def list_regions(self, parent_region_id: str | None = None) -> list[Region]:
        with self.db.reader() as s:
            return q.list_regions(s, parent_region_id)

    @retry_on_lock()
    def update_region(self, region_id: str, changes: dict[str, Any]) -> Region:
        with self.db.writer() as s:
            row = s.get(Region, region_id)
            if row is None:
                raise NotFound(resource="region", id=region_id)
            parent = changes.get("parent_region_id") or None
            if parent is not None:
                # Up the new parent's chain: the region itself there would make a circle.
                seen, ancestor = set(), s.get(Region, parent)
                if ancestor is None:
                    raise NotFound(resource="region", id=parent)
                while ancestor is not None and ancestor.id not in seen:
                    if ancestor.id == region_id:
                        raise BadRequest("Circular reference in the region hierarchy: "
                                         f"{parent} cannot be the parent of {region_id}.")
                    seen.add(ancestor.id)
                    ancestor = (s.get(Region, ancestor.parent_region_id)
                                if ancestor.parent_region_id else None)
            if "description" in changes:
                # Keystone's schema allows a null description; the column keeps "" for it.
                row.description = changes["description"] or ""
            if "parent_region_id" in changes:
                row.parent_region_id = parent
        return row

    @retry_on_lock()
    def delete_region(self, region_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(Region, region_id)
            if row is None:
                raise NotFound(resource="region", id=region_id)
            if q.has_child_regions(s, region_id):
                raise Conflict(resource="region", reason="it has child regions")
            s.delete(row)

    # -- services ---------------------------------------------------------------------------
    @retry_on_lock()
    def create_service(self, type_: str, name: str = "", description: str = "",
                       enabled: bool = True) -> Service:
        with self.db.writer() as s:
            svc = Service(type=type_, name=name or "", description=description or "",
                          enabled=enabled)
            s.add(svc)
        return svc

    def get_service(self, service_id: str) -> Service:
        with self.db.reader() as s:
            row = s.get(Service, service_id)
        if row is None:
            raise NotFound(resource="service", id=service_id)
        return row

    def list_services(self, type_: str | None = None, name: str | None = None) -> list[Service]:
        with self.db.reader() as s:
            return q.list_services(s, type_, name)

    @retry_on_lock()
    def update_service(self, service_id: str, changes: dict[str, Any]) -> Service:
        with self.db.writer() as s:
            row = s.get(Service, service_id)
            if row is None:
                raise NotFound(resource="service", id=service_id)
            for key, attr in (("type", "type"), ("name", "name"), ("description", "description"),
                              ("enabled", "enabled")):
                if key in changes:
                    setattr(row, attr, changes[key])
        return row

    @retry_on_lock()
    def delete_service(self, service_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(Service, service_id)
            if row is None:
                raise NotFound(resource="service", id=service_id)
            q.delete_service(s, row)

    # -- endpoints --------------------------------------------------------------------------
    @retry_on_lock()
    def create_endpoint(self, service_id: str, interface: str, url: str,
                        region_id: str | None = None, enabled: bool = True) -> Endpoint:
        if interface not in INTERFACES:
            raise BadRequest(f"Invalid input for field 'interface': '{interface}' is not one of "
                             f"{list(INTERFACES)}")
        if not url:
            raise BadRequest("Invalid input for field 'url': it is required.")
        with self.db.writer() as s:
            if s.get(Service, service_id) is None:
                raise NotFound(resource="service", id=service_id)
            if region_id and s.get(Region, region_id) is None:
                raise NotFound(resource="region", id=region_id)
            ep = Endpoint(service_id=service_id, interface=interface, url=url,
                          region_id=region_id, enabled=enabled)
            s.add(ep)
        return ep

    def get_endpoint(self, endpoint_id: str) -> Endpoint:
        with self.db.reader() as s:
            row = s.get(Endpoint, endpoint_id)
        if row is None:
            raise NotFound(resource="endpoint", id=endpoint_id)
        return row

    def list_endpoints(self, filters: dict[str, Any] | None = None) -> list[Endpoint]:
        with self.db.reader() as s:
            return q.list_endpoints(s, filters or {})

    @retry_on_lock()
    def update_endpoint(self, endpoint_id: str, changes: dict[str, Any]) -> Endpoint:
        with self.db.writer() as s:
            row = s.get(Endpoint, endpoint_id)
            if row is None:
                raise NotFound(resource="endpoint", id=endpoint_id)
            if "interface" in changes and changes["interface"] not in INTERFACES:
                raise BadRequest(f"Invalid input for field 'interface': {changes['interface']}")
            for key in ("service_id", "interface", "url", "region_id", "enabled"):
                if key in changes:
                    setattr(row, key, changes[key])
        return row

    @retry_on_lock()
    def delete_endpoint(self, endpoint_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(Endpoint, endpoint_id)
            if row is None:
                raise NotFound(resource="endpoint", id=endpoint_id)
            s.delete(row)

    # -- the catalog ------------------------------------------------------------------------
    def catalog(self, project_id: str | None, user_id: str | None) -> list[dict[str, Any]]:
        """The v3 catalog; endpoints whose URL needs a project are left out when unscoped."""
        subs = {"project_id": project_id or "", "tenant_id": project_id or "",
                "user_id": user_id or ""}
        with self.db.reader() as s:
            services = q.list_services(s, enabled_only=True)
            endpoints = q.list_endpoints(s, {}, enabled_only=True)
        if project_id:
            # OS-EP-FILTER: a project with endpoint associations sees only those endpoints.
            chosen = self.extras.endpoints_for_project(project_id)
            if chosen:
                ids = {e.id for e in chosen}
                endpoints = [e for e in endpoints if e.id in ids]
        result = []
        for svc in services:
            eps = []
            for ep in endpoints:
                if ep.service_id != svc.id:
                    continue
                if "$(project_id)s" in ep.url and not project_id:
                    continue
                url = ep.url.replace("$(", "%(") % subs if "$(" in ep.url else ep.url
                eps.append({"id": ep.id, "interface": ep.interface, "region": ep.region_id,
                            "region_id": ep.region_id, "url": url})
            result.append({"id": svc.id, "type": svc.type, "name": svc.name, "endpoints": eps})
        return result
