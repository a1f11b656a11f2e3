"""Metadata definitions (``/v2/metadefs``): namespaces and the objects, properties, tags and
resource-type associations they hold; a catalog clients use to offer well-formed properties."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound
from nimbus.image.db.models import MetadefItem, MetadefNamespace

KINDS = ("object", "property", "tag", "resource_type")
# The resource types Glance seeds; associations name one of these.
RESOURCE_TYPES = ("OS::Glance::Image", "OS::Cinder::Volume", "OS::Nova::Flavor",
                  "OS::Nova::Server", "OS::Nova::Aggregate", "OS::Glance::Metadef",
                  "OS::Cinder::Volumetype", "OS::Trove::Instance", "OS::Neutron::Network")
NAMESPACE_FIELDS = ("namespace", "display_name", "description", "visibility", "protected")


def _namespace_row(row: MetadefNamespace) -> dict[str, Any]:
    return {"id": row.id, "namespace": row.namespace, "display_name": row.display_name,
            "description": row.description, "visibility": row.visibility,
            "protected": row.protected, "owner": row.owner, "created_at": row.created_at,
            "updated_at": row.updated_at}


def _item_row(row: MetadefItem) -> dict[str, Any]:
    return {"name": row.name, "body": dict(row.body or {}), "created_at": row.created_at,
            "updated_at": row.updated_at}


def _check_namespace_values(values: dict[str, Any]) -> None:
    name = values.get("namespace")
    if not isinstance(name, str) or not name.strip() or len(name) > 80:
        raise BadRequest("A namespace needs a 'namespace' name of 1 to 80 characters.")
    if values.get("visibility", "private") not in ("public", "private"):
        raise BadRequest(f"Invalid visibility: {values.get('visibility')}")
    if not isinstance(values.get("protected", False), bool):
        raise BadRequest("'protected' must be a boolean.")
    for key in ("display_name", "description"):
        if values.get(key) is not None and not isinstance(values[key], str):
            raise BadRequest(f"'{key}' must be a string.")


class MetadefManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- namespaces ----------------------------------------------------------------------

    def _find(self, session: Session, ctx: RequestContext, name: str) -> MetadefNamespace:
        row = session.execute(select(MetadefNamespace).where(
            MetadefNamespace.namespace == name)).scalar_one_or_none()
        if row is None or not (ctx.is_admin or row.visibility == "public" or
                               row.owner == ctx.project_id):
            raise NotFound(f"Metadata definition namespace={name} was not found.")
        return row

    def list_namespaces(self, ctx: RequestContext, visibility: str | None = None,
                        resource_types: list[str] | None = None) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            stmt = select(MetadefNamespace)
            if not ctx.is_admin:
                stmt = stmt.where(or_(MetadefNamespace.visibility == "public",
                                      MetadefNamespace.owner == (ctx.project_id or "")))
            if visibility:
                stmt = stmt.where(MetadefNamespace.visibility == visibility)
            rows = list(session.execute(stmt.order_by(MetadefNamespace.created_at)).scalars())
            out = []
            for row in rows:
                if resource_types:
                    assoc = {i.name for i in self._items(session, row.id, "resource_type")}
                    if not assoc & set(resource_types):
                        continue
                out.append(_namespace_row(row))
            return out

    def get_namespace(self, ctx: RequestContext, name: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = self._find(session, ctx, name)
            full = _namespace_row(row)
            for kind in KINDS:
                full[kind] = [_item_row(i) for i in self._items(session, row.id, kind)]
            return full

    @retry_on_lock()
    def create_namespace(self, ctx: RequestContext, values: dict[str, Any],
                         contents: dict[str, list[tuple[str, dict[str, Any]]]]) -> dict[str, Any]:
        _check_namespace_values(values)
        now = utcnow()
        with self.db.writer() as session:
            if session.execute(select(MetadefNamespace.id).where(
                    MetadefNamespace.namespace == values["namespace"])).first():
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
        _check_namespace_values(values)
        with self.db.writer() as session:
            row = self._find(session, ctx, name)
            if values["namespace"] != name and session.execute(select(MetadefNamespace.id).where(
                    MetadefNamespace.namespace == values["namespace"])).first():
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
            for item in self._items(session, row.id, None):
                session.delete(item)
            session.delete(row)

    # -- items (objects, properties, tags, resource-type associations) -------------------

    @staticmethod
    def _items(session: Session, namespace_id: str, kind: str | None) -> list[MetadefItem]:
        stmt = select(MetadefItem).where(MetadefItem.namespace_id == namespace_id)
        if kind:
            stmt = stmt.where(MetadefItem.kind == kind)
        return list(session.execute(stmt.order_by(MetadefItem.created_at,
                                                  MetadefItem.name)).scalars())

    @staticmethod
    def _put_item(session: Session, namespace_id: str, kind: str, name: str,
                  body: dict[str, Any]) -> MetadefItem:
        if not isinstance(name, str) or not name or len(name) > 255:
            raise BadRequest(f"A {kind} needs a 'name' of 1 to 255 characters.")
        if kind == "resource_type" and name not in RESOURCE_TYPES:
            raise NotFound(f"Metadata definition resource-type={name} was not found.")
        if session.get(MetadefItem, (namespace_id, kind, name)) is not None:
            raise Conflict(f"A metadata definition {kind} with name={name} already exists.")
        now = utcnow()
        row = MetadefItem(namespace_id=namespace_id, kind=kind, name=name, body=body,
                          created_at=now, updated_at=now)
        session.add(row)
        return row

    def list_items(self, ctx: RequestContext, namespace: str, kind: str) -> list[dict[str, Any]]:
        with self.db.reader() as session:
            row = self._find(session, ctx, namespace)
            return [_item_row(i) for i in self._items(session, row.id, kind)]

    def get_item(self, ctx: RequestContext, namespace: str, kind: str,
                 name: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = self._find(session, ctx, namespace)
            item = session.get(MetadefItem, (row.id, kind, name))
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
                for item in self._items(session, row.id, kind):
                    session.delete(item)
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
            item = session.get(MetadefItem, (row.id, kind, name))
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
                for item in self._items(session, row.id, kind):
                    session.delete(item)
                return
            found = session.get(MetadefItem, (row.id, kind, name))
            if found is None:
                raise NotFound(f"Metadata definition {kind}={name} was not found in "
                               f"namespace={namespace}.")
            session.delete(found)
