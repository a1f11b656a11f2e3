"""Policy blobs and OS-EP-FILTER: endpoint groups and which projects see which endpoints."""

from __future__ import annotations

from typing import Any

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, NotFound
from nimbus.identity.db import catalog, projects
from nimbus.identity.db import catalog_extras as q
from nimbus.identity.db.catalog_models import (
    EndpointGroup,
    PolicyBlob,
    ProjectEndpoint,
    ProjectEndpointGroup,
)
from nimbus.identity.db.models import Endpoint, Project

FILTER_KEYS = ("interface", "service_id", "region_id")


def _check_filters(filters: dict[str, Any]) -> None:
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise BadRequest(f"Invalid input for field 'filters': unknown filter "
                         f"{', '.join(unknown)}; valid are {', '.join(FILTER_KEYS)}.")


class CatalogExtrasManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- policy blobs -----------------------------------------------------------------------
    @retry_on_lock()
    def create_policy(self, type_: str, blob: str, extra: dict[str, Any]) -> PolicyBlob:
        with self.db.writer() as s:
            row = PolicyBlob(type=type_, blob=blob, extra=extra)
            s.add(row)
        return row

    def get_policy(self, policy_id: str) -> PolicyBlob:
        with self.db.reader() as s:
            row = s.get(PolicyBlob, policy_id)
        if row is None:
            raise NotFound(resource="policy", id=policy_id)
        return row

    def list_policies(self, type_: str | None = None) -> list[PolicyBlob]:
        with self.db.reader() as s:
            return q.list_policies(s, type_)

    @retry_on_lock()
    def update_policy(self, policy_id: str, changes: dict[str, Any]) -> PolicyBlob:
        with self.db.writer() as s:
            row = s.get(PolicyBlob, policy_id)
            if row is None:
                raise NotFound(resource="policy", id=policy_id)
            for key in ("type", "blob"):
                if key in changes:
                    setattr(row, key, changes[key])
            extra = {k: v for k, v in changes.items() if k not in ("type", "blob", "id")}
            if extra:
                row.extra = {**(row.extra or {}), **extra}
        return row

    @retry_on_lock()
    def delete_policy(self, policy_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(PolicyBlob, policy_id)
            if row is None:
                raise NotFound(resource="policy", id=policy_id)
            s.delete(row)

    # -- endpoint groups --------------------------------------------------------------------
    @retry_on_lock()
    def create_group(self, name: str, filters: dict[str, Any],
                     description: str | None = None) -> EndpointGroup:
        _check_filters(filters)
        with self.db.writer() as s:
            row = EndpointGroup(name=name, description=description, filters=filters)
            s.add(row)
        return row

    def get_group(self, group_id: str) -> EndpointGroup:
        with self.db.reader() as s:
            row = s.get(EndpointGroup, group_id)
        if row is None:
            raise NotFound(resource="endpoint group", id=group_id)
        return row

    def list_groups(self, name: str | None = None) -> list[EndpointGroup]:
        with self.db.reader() as s:
            return q.list_groups(s, name)

    @retry_on_lock()
    def update_group(self, group_id: str, changes: dict[str, Any]) -> EndpointGroup:
        if "filters" in changes:
            _check_filters(changes["filters"])
        with self.db.writer() as s:
            row = s.get(EndpointGroup, group_id)
            if row is None:
                raise NotFound(resource="endpoint group", id=group_id)
            for key in ("name", "description", "filters"):
                if key in changes:
                    setattr(row, key, changes[key])
        return row

    @retry_on_lock()
    def delete_group(self, group_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(EndpointGroup, group_id)
            if row is None:
                raise NotFound(resource="endpoint group", id=group_id)
            q.delete_group(s, row)

    def endpoints_in_group(self, group_id: str) -> list[Endpoint]:
        filters = self.get_group(group_id).filters or {}
        with self.db.reader() as s:
            return catalog.list_endpoints(s, filters)

    # -- project associations ---------------------------------------------------------------
    @retry_on_lock()
    def associate_group(self, group_id: str, project_id: str) -> None:
        self.get_group(group_id)
        with self.db.writer() as s:
            if s.get(ProjectEndpointGroup, (group_id, project_id)) is None:
                s.add(ProjectEndpointGroup(endpoint_group_id=group_id, project_id=project_id))

    def group_associated(self, group_id: str, project_id: str) -> bool:
        with self.db.reader() as s:
            return s.get(ProjectEndpointGroup, (group_id, project_id)) is not None

    @retry_on_lock()
    def dissociate_group(self, group_id: str, project_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(ProjectEndpointGroup, (group_id, project_id))
            if row is None:
                raise NotFound(f"Endpoint group {group_id} is not associated with project "
                               f"{project_id}.")
            s.delete(row)

    def projects_for_group(self, group_id: str) -> list[Project]:
        self.get_group(group_id)
        with self.db.reader() as s:
            return projects.by_ids(s, q.project_ids_of_group(s, group_id))

    def groups_for_project(self, project_id: str) -> list[EndpointGroup]:
        with self.db.reader() as s:
            return q.groups_of_project(s, project_id)

    @retry_on_lock()
    def associate_endpoint(self, endpoint_id: str, project_id: str) -> None:
        with self.db.writer() as s:
            if s.get(Endpoint, endpoint_id) is None:
                raise NotFound(resource="endpoint", id=endpoint_id)
            if s.get(ProjectEndpoint, (endpoint_id, project_id)) is None:
                s.add(ProjectEndpoint(endpoint_id=endpoint_id, project_id=project_id))

    def endpoint_associated(self, endpoint_id: str, project_id: str) -> bool:
        with self.db.reader() as s:
            return s.get(ProjectEndpoint, (endpoint_id, project_id)) is not None

    @retry_on_lock()
    def dissociate_endpoint(self, endpoint_id: str, project_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(ProjectEndpoint, (endpoint_id, project_id))
            if row is None:
                raise NotFound(f"Endpoint {endpoint_id} is not associated with project "
                               f"{project_id}.")
            s.delete(row)

    def endpoints_for_project(self, project_id: str) -> list[Endpoint]:
        """Endpoints associated with the project directly or through its endpoint groups."""
        with self.db.reader() as s:
            ids = q.endpoint_ids_of_project(s, project_id)
            rows = catalog.list_endpoints(s, {}, ids=ids)
        for group in self.groups_for_project(project_id):
            rows.extend(e for e in self.endpoints_in_group(group.id) if e.id not in ids)
            ids.update(e.id for e in rows)
        return rows

    def projects_for_endpoint(self, endpoint_id: str) -> list[Project]:
        with self.db.reader() as s:
            return projects.by_ids(s, q.project_ids_of_endpoint(s, endpoint_id))
