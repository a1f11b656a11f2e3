"""Which images a caller may see, and the list query: filters, sorting and keyset pagination."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.errors import BadRequest
from nimbus.image.db.models import Image, ImageMember, ImageProperty, ImageTag
from nimbus.image.schemas.requests import ListQuery

DEFAULT_LIMIT = 25
MAX_LIMIT = 1000

# Nullable sort columns are compared through a stand-in, so keyset pagination never meets NULL.
_SORT_COLUMNS: dict[str, Any] = {
    "name": func.coalesce(Image.name, ""),
    "status": Image.status,
    "container_format": func.coalesce(Image.container_format, ""),
    "disk_format": func.coalesce(Image.disk_format, ""),
    "size": func.coalesce(Image.size, -1),
    "id": Image.id,
    "created_at": Image.created_at,
    "updated_at": Image.updated_at,
}


def _sort_value(image: Image, key: str) -> Any:
    value = getattr(image, key)
    if value is None:
        return -1 if key == "size" else ""
    return value


def _member_of(project_id: str | None, status: str | None = None) -> Any:
    cond = and_(ImageMember.image_id == Image.id, ImageMember.member == (project_id or ""))
    if status and status != "all":
        cond = and_(cond, ImageMember.status == status)
    return exists().where(cond)


def visible_to(ctx: RequestContext) -> Any:
    """What ``GET /v2/images/{id}`` may show: Glance's visibility rules."""
    if ctx.is_admin:
        return true()
    project = ctx.project_id or ""
    return or_(
        Image.owner == project,
        Image.visibility.in_(("public", "community")),
        and_(Image.visibility == "shared", _member_of(project)),
    )


def _listed_for(ctx: RequestContext, visibility: str | None, member_status: str) -> Any:
    """What a list shows for a ``visibility`` filter; admins see every project's images."""
    project = ctx.project_id or ""
    owned = Image.owner == project
    shared_with_me = and_(Image.visibility == "shared", _member_of(project, member_status))
    if visibility == "public":
        return Image.visibility == "public"
    if visibility == "community":
        return Image.visibility == "community"
    if visibility == "private":
        return Image.visibility == "private" if ctx.is_admin else and_(
            Image.visibility == "private", owned)
    if visibility == "shared":
        if ctx.is_admin:
            return Image.visibility == "shared"
        return or_(and_(Image.visibility == "shared", owned), shared_with_me)
    if ctx.is_admin:
        return true()
    base = or_(owned, Image.visibility == "public", shared_with_me)
    if visibility == "all":
        return or_(base, Image.visibility == "community")
    return and_(base, or_(owned, Image.visibility != "community"))


def _bool(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise BadRequest(f"Invalid value '{value}' for filter '{name}': expected a boolean.")


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"Invalid value '{value}' for filter '{name}': expected an "
                         "integer.") from None


def _time_filter(column: Any, name: str, value: str) -> Any:
    op, sep, text = value.partition(":")
    if not sep or op not in ("gt", "gte", "lt", "lte", "eq", "neq"):
        op, text = "eq", value
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"Invalid time '{text}' for filter '{name}'.") from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return {"gt": column > when, "gte": column >= when, "lt": column < when,
            "lte": column <= when, "eq": column == when, "neq": column != when}[op]


def _equals(column: Any, value: str) -> Any:
    if value.startswith("in:"):
        return column.in_([v.strip() for v in value[3:].split(",")])
    return column == value


def _filter(name: str, value: str) -> Any:
    if name in ("size_min", "size_max", "size", "min_ram", "min_disk"):
        number = _int(name, value)
        if name == "size_min":
            return Image.size >= number
        if name == "size_max":
            return Image.size <= number
        return getattr(Image, name) == number
    if name in ("protected", "os_hidden"):
        return getattr(Image, name) == _bool(name, value)
    if name in ("created_at", "updated_at"):
        return _time_filter(getattr(Image, name), name, value)
    return _equals(getattr(Image, name), value)


def build(session: Session, ctx: RequestContext, q: ListQuery) -> tuple[Select[Any], int]:
    """The SELECT for one page of ``q`` as ``ctx`` sees it, and the page size."""
    filters = dict(q.filters)
    visibility = filters.pop("visibility", None)
    stmt = select(Image).where(_listed_for(ctx, visibility, q.member_status))
    if visibility in ("public", "private", "shared", "community"):
        stmt = stmt.where(Image.visibility == visibility)
    if "os_hidden" not in filters:
        stmt = stmt.where(Image.os_hidden == false())
    for name, value in filters.items():
        stmt = stmt.where(_filter(name, value))
    for name, value in q.properties.items():
        stmt = stmt.where(exists().where(ImageProperty.image_id == Image.id,
                                         ImageProperty.name == name,
                                         _equals(ImageProperty.value, value)))
    for tag in q.tags:
        stmt = stmt.where(exists().where(ImageTag.image_id == Image.id, ImageTag.value == tag))
    keys = list(q.sort)
    if not any(k == "id" for k, _ in keys):
        keys.append(("id", keys[-1][1] if keys else "desc"))
    if q.marker is not None:
        marker = session.execute(
            select(Image).where(Image.id == q.marker, visible_to(ctx))).scalar_one_or_none()
        if marker is None:
            raise BadRequest(f"Invalid marker. Image {q.marker} could not be found.")
        stmt = stmt.where(_after(marker, keys))
    for key, direction in keys:
        column = _SORT_COLUMNS[key]
        stmt = stmt.order_by(column.asc() if direction == "asc" else column.desc())
    limit = DEFAULT_LIMIT if q.limit is None else min(q.limit, MAX_LIMIT)
    return stmt.limit(limit), limit


def _after(marker: Image, keys: list[tuple[str, str]]) -> Any:
    """Rows strictly after ``marker`` in the order ``keys`` define."""
    clauses = []
    for i, (key, direction) in enumerate(keys):
        equal_before = [_SORT_COLUMNS[k] == _sort_value(marker, k) for k, _ in keys[:i]]
        column, value = _SORT_COLUMNS[key], _sort_value(marker, key)
        step = column > value if direction == "asc" else column < value
        clauses.append(and_(*equal_before, step))
    return or_(*clauses)
