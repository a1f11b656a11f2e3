"""Metadata definitions (``/v2/metadefs``): namespaces and the objects, properties, tags and
resource-type associations they hold; a catalog clients use to offer well-formed properties."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound
from nimbus.image.constants import MAX_LIMIT
from nimbus.image.db import metadefs as rows
from nimbus.image.db.models import MetadefItem, MetadefNamespace

KINDS = ("object", "property", "tag", "resource_type")
# The resource types Glance seeds; associations name one of these.
RESOURCE_TYPES = ("OS::Glance::Image", "OS::Cinder::Volume", "OS::Nova::Flavor",
                  "OS::Nova::Server", "OS::Nova::Aggregate", "OS::Glance::Metadef",
                  "OS::Cinder::Volumetype", "OS::Trove::Instance", "OS::Neutron::Network")
NAMESPACE_FIELDS = ("namespace", "display_name", "description", "visibility", "protected")
# Every piece of a namespace a create body may carry, by kind: (name, body) pairs.
Contents = dict[str, list[tuple[str, dict[str, Any]]]]


def _namespace_row(row: MetadefNamespace) -> dict[str, Any]:
    return {"id": row.id, "namespace": row.namespace, "display_name": row.display_name,
            "description": row.description, "visibility": row.visibility,
            "protected": row.protected, "owner": row.owner, "created_at": row.created_at,
            "updated_at": row.updated_at}


def _item_row(row: MetadefItem) -> dict[str, Any]:
    return {"name": row.name, "body": dict(row.body or {}), "created_at": row.created_at,
            "updated_at": row.updated_at}


def _not_found(name: str) -> NotFound:
    return NotFound(f"Metadata definition namespace={name} was not found.")


class MetadefManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- namespaces ----------------------------------------------------------------------

    @staticmethod
    def _find(session: Session, ctx: RequestContext, name: str) -> MetadefNamespace:
        row = rows.by_name(session, name)
        if row is None or not (ctx.is_admin or row.visibility == "public" or
                               row.owner == ctx.project_id):
            raise _not_found(name)
        return row

    def list_namespaces(self, ctx: RequestContext, query: PageQuery,
                        visibility: str | None = None,
                        resource_types: list[str] | None = None) -> Page[dict[str, Any]]:
        """One page of the namespaces ``ctx`` may see; the marker is a namespace name."""
        with self.db.reader() as session:
            found = rows.list_page(session, ctx.project_id, ctx.is_admin, query,
                                   visibility=visibility, resource_types=resource_types or [],
                                   max_limit=MAX_LIMIT, bad_marker=_not_found)
            return Page([_namespace_row(r) for r in found.items], more=found.more,
                        previous=found.previous, sort=found.sort)

    def get_namespace(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = self._find(session, ctx, name)
            full = _namespace_row(row)
            for kind in KINDS:
                full[kind] = [_item_row(i) for i in rows.items(session, row.id, kind)]
            return full

    @retry_on_lock()
    def create_namespace(self, ctx: RequestContext, values: dict[str, Any],
                         contents: Contents) -> dict[str, Any]:
        now = utcnow()
        with self.db.writer() as session:
            if rows.name_taken(session, values["namespace"]):
                raise Conflict(f"Metadata definition namespace={values['namespace']} "
                               "already exists.")
            row = MetadefNamespace(
                id=new_id(), namespace=values["namespace"],
                display_name=values.get("display_name"), description=values.get("description"),
                visibility=values.get("visibility", "private"),
                protected=bool(values.get("protected", False)),
                owner=values.get("owner") or ctx.project_id, created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            for kind, items in contents.items():
                for name, body in items:
                    self._put_item(session, row.id, kind, name, body)
            session.flush()
        return self.get_namespace(ctx, values["namespace"])

    @retry_on_lock()
    def update_namespace(self, ctx: RequestContext, name: str,
                         values: dict[str, Any]) -> dict[str, Any]:
        values = {"namespace": name, **values}
        with self.db.writer() as session:
            row = self._find(session, ctx, name)
            if values["namespace"] != name and rows.name_taken(session, values["namespace"]):
                raise Conflict(f"Metadata definition namespace={values['namespace']} "
                               "already exists.")
            for key in NAMESPACE_FIELDS:
                if key in values:
                    setattr(row, key, values[key])
            if values.get("owner"):
                row.owner = values["owner"]
            row.updated_at = utcnow()
        return self.get_namespace(ctx, values["namespace"])

    @retry_on_lock()
    def delete_namespace(self, ctx: RequestContext, name: str) -> None:
        with self.db.writer() as session:
            row = self._find(session, ctx, name)
            if row.protected:
                raise Forbidden(f"Namespace {name} is protected and cannot be deleted.")
            rows.delete_items(session, row.id, None)
            session.delete(row)

    # -- items (objects, properties, tags, resource-type associations) -------------------

    @staticmethod
    def _put_item(session: Session, namespace_id: str, kind: str, name: str,
                  body: dict[str, Any]) -> MetadefItem:
        if not isinstance(name, str) or not name or len(name) > 255:
            raise BadRequest(f"A {kind} needs a 'name' of 1 to 255 characters.")
        if kind == "resource_type" and name not in RESOURCE_TYPES:
            raise NotFound(f"Metadata definition resource-type={name} was not found.")
        if rows.get_item(session, namespace_id, kind, name) is not None:
            raise Conflict(f"A metadata definition {kind} with name={name} already exists.")
        now = utcnow()
        row = MetadefItem(namespace_id=namespace_id, kind=kind, name=name, body=body,
                          created_at=now, updated_at=now)
        session.add(row)
        return row

    def list_items(self, ctx: RequestContext, namespace: str, kind: str) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            row = self._find(session, ctx, namespace)
            return [_item_row(i) for i in rows.items(session, row.id, kind)]

    def get_item(self, ctx: RequestContext, namespace: str, kind: str,
                 name: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = self._find(session, ctx, namespace)
            item = rows.get_item(session, row.id, kind, name)
            if item is None:
                raise NotFound(f"Metadata definition {kind}={name} was not found in "
                               f"namespace={namespace}.")
            return _item_row(item)

    @retry_on_lock()
    def add_item(self, ctx: RequestContext, namespace: str, kind: str, name: str,
                 body: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self._find(session, ctx, namespace)
            item = self._put_item(session, row.id, kind, name, body)
            session.flush()
            return _item_row(item)

    @retry_on_lock()
    def replace_items(self, ctx: RequestContext, namespace: str, kind: str,
                      items: list[tuple[str, dict[str, Any]]], append: bool) -> list[dict[str, Any]]:
        with self.db.writer() as session:
            row = self._find(session, ctx, namespace)
            if not append:
                rows.delete_items(session, row.id, kind)
                session.flush()
            names = [n for n, _b in items]
            if len(set(names)) != len(names):
                raise Conflict(f"Duplicate {kind} names in the request.")
            created = [self._put_item(session, row.id, kind, n, b) for n, b in items]
            session.flush()
            return [_item_row(i) for i in created]

    @retry_on_lock()
    def update_item(self, ctx: RequestContext, namespace: str, kind: str, name: str,
                    new_name: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self._find(session, ctx, namespace)
            item = rows.get_item(session, row.id, kind, name)
            if item is None:
                raise NotFound(f"Metadata definition {kind}={name} was not found in "
                               f"namespace={namespace}.")
            created_at = item.created_at
            if new_name != name:
                session.delete(item)
                session.flush()
                item = self._put_item(session, row.id, kind, new_name, body)
                item.created_at = created_at
            else:
                item.body = body
                item.updated_at = utcnow()
            session.flush()
            return _item_row(item)

    @retry_on_lock()
    def delete_items(self, ctx: RequestContext, namespace: str, kind: str,
                     name: str | None = None) -> None:
        with self.db.writer() as session:
            row = self._find(session, ctx, namespace)
            if name is None:
                rows.delete_items(session, row.id, kind)
                return
            found = rows.get_item(session, row.id, kind, name)
            if found is None:
                raise NotFound(f"Metadata definition {kind}={name} was not found in "
                               f"namespace={namespace}.")
            session.delete(found)
