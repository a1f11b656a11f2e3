"""Image rows: which images a caller may see, one image's full record, the list page (filters,
sorting and keyset paging in SQL), and the writes the image rules make."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, exists, false, func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from nimbus.core.db.base import utcnow
from nimbus.core.db.paging import Page, PageQuery, page
from nimbus.core.errors import BadRequest
from nimbus.image.db import locations
from nimbus.image.db.models import Image, ImageMember, ImageProperty, ImageTag

Condition = ColumnElement[bool]

# The columns a list may sort by, under their API names (Glance's sort keys).
SORT_COLUMNS: dict[str, Any] = {
    "name": Image.name,
    "status": Image.status,
    "container_format": Image.container_format,
    "disk_format": Image.disk_format,
    "size": Image.size,
    "id": Image.id,
    "created_at": Image.created_at,
    "updated_at": Image.updated_at,
}
SORT_KEYS = tuple(SORT_COLUMNS)
DEFAULT_SORT = (("created_at", "desc"),)
# The columns of an image record (the rest of it is properties, tags and locations).
COLUMNS = ("id", "name", "owner", "status", "visibility", "protected", "os_hidden",
           "disk_format", "container_format", "size", "virtual_size", "checksum",
           "os_hash_algo", "os_hash_value", "min_ram", "min_disk", "location", "staging",
           "created_at", "updated_at")


@dataclass(frozen=True)
class Viewer:
    """Who asks: their project, and whether they are an admin (who sees every image)."""

    project_id: str | None
    is_admin: bool = False


@dataclass
class ImageQuery:
    """The filters of ``GET /v2/images``, already checked and typed."""

    # Column filters: an int or bool, a string, or ``in:a,b`` for one of several strings.
    filters: dict[str, Any] = field(default_factory=dict)
    # ``created_at``/``updated_at``: (operator, when), operator one of gt gte lt lte eq neq.
    times: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    visibility: str | None = None
    member_status: str = "accepted"


def _member_of(project_id: str | None, status: str | None = None) -> Condition:
    cond = (ImageMember.image_id == Image.id) & (ImageMember.member == (project_id or ""))
    if status and status != "all":
        cond = cond & (ImageMember.status == status)
    return exists().where(cond)


def visible_to(viewer: Viewer) -> Condition:
    """What ``GET /v2/images/{id}`` may show: Glance's visibility rules."""
    if viewer.is_admin:
        return true()
    project = viewer.project_id or ""
    return (Image.owner == project) | Image.visibility.in_(("public", "community")) | (
        (Image.visibility == "shared") & _member_of(project))


def _listed_for(viewer: Viewer, visibility: str | None, member_status: str) -> Condition:
    """What a list shows for a ``visibility`` filter; admins see every project's images."""
    project = viewer.project_id or ""
    owned = Image.owner == project
    shared_with_me = (Image.visibility == "shared") & _member_of(project, member_status)
    if visibility in ("public", "community"):
        return Image.visibility == visibility
    if visibility == "private":
        private = Image.visibility == "private"
        return private if viewer.is_admin else private & owned
    if visibility == "shared":
        if viewer.is_admin:
            return Image.visibility == "shared"
        return ((Image.visibility == "shared") & owned) | shared_with_me
    if viewer.is_admin:
        return true()
    base = owned | (Image.visibility == "public") | shared_with_me
    if visibility == "all":
        return base | (Image.visibility == "community")
    return base & (owned | (Image.visibility != "community"))


def _equals(column: Any, value: Any) -> Condition:
    if isinstance(value, str) and value.startswith("in:"):
        found: Condition = column.in_([v.strip() for v in value[3:].split(",")])
        return found
    same: Condition = column == value
    return same


def _filter(name: str, value: Any) -> Condition:
    if name == "size_min":
        return Image.size >= value
    if name == "size_max":
        return Image.size <= value
    return _equals(getattr(Image, name), value)


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le,
    "eq": operator.eq, "neq": operator.ne}


def _matching(viewer: Viewer, q: ImageQuery) -> Any:
    stmt = select(Image).where(_listed_for(viewer, q.visibility, q.member_status))
    if q.visibility in ("public", "private", "shared", "community"):
        stmt = stmt.where(Image.visibility == q.visibility)
    if "os_hidden" not in q.filters:
        stmt = stmt.where(Image.os_hidden == false())
    for name, value in q.filters.items():
        stmt = stmt.where(_filter(name, value))
    for name, (op, when) in q.times.items():
        stmt = stmt.where(_COMPARE[op](getattr(Image, name), when))
    for name, value in q.properties.items():
        stmt = stmt.where(exists().where(ImageProperty.image_id == Image.id,
                                         ImageProperty.name == name,
                                         _equals(ImageProperty.value, value)))
    for tag in q.tags:
        stmt = stmt.where(exists().where(ImageTag.image_id == Image.id, ImageTag.value == tag))
    return stmt


def list_page(session: Session, viewer: Viewer, q: ImageQuery, query: PageQuery,
              max_limit: int) -> Page[dict[str, Any]]:
    """One page of the images ``viewer`` may list, as records, in the order asked for."""
    found = page(session, _matching(viewer, q), query, columns=SORT_COLUMNS,
                 default_sort=DEFAULT_SORT, max_limit=max_limit,
                 marker_stmt=select(Image).where(visible_to(viewer)),
                 bad_marker=lambda m: BadRequest(f"Invalid marker. Image {m} could not be "
                                                 "found."))
    return Page(records(session, found.items), more=found.more, previous=found.previous,
                sort=found.sort)


# -- one image ---------------------------------------------------------------------------------

def visible(session: Session, viewer: Viewer, image_id: str) -> Image | None:
    if "\x00" in image_id:  # no id holds NUL, and PostgreSQL refuses to compare with one
        return None
    return session.execute(
        select(Image).where(Image.id == image_id, visible_to(viewer))).scalar_one_or_none()


def get(session: Session, image_id: str) -> Image | None:
    return None if "\x00" in image_id else session.get(Image, image_id)


def record(session: Session, image: Image) -> dict[str, Any]:
    """A detached, plain view of one image with its properties, tags and locations."""
    return records(session, [image])[0]


def records(session: Session, images: list[Image]) -> list[dict[str, Any]]:
    ids = [i.id for i in images]
    props: dict[str, dict[str, str]] = {i: {} for i in ids}
    tags: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        for p in session.execute(select(ImageProperty).where(ImageProperty.image_id.in_(ids))
                                 ).scalars():
            props[p.image_id][p.name] = p.value
        for t in session.execute(select(ImageTag).where(ImageTag.image_id.in_(ids))
                                 .order_by(ImageTag.created_at, ImageTag.value)).scalars():
            tags[t.image_id].append(t.value)
    listed = locations.listings(session, ids)
    stored = {i: locations.by_store(entries) for i, entries in listed.items()}
    return [{**{c: getattr(i, c) for c in COLUMNS}, "properties": props[i.id],
             "tags": tags[i.id], "locations": stored[i.id],
             "location_entries": [{"url": e.url, "metadata": dict(e.metadata)}
                                  for e in listed[i.id]]} for i in images]


def is_member(session: Session, image_id: str, project_id: str | None) -> bool:
    return session.get(ImageMember, (image_id, project_id or "")) is not None


# -- writes ------------------------------------------------------------------------------------

def add(session: Session, image: Image, properties: dict[str, str], tags: Iterable[str]) -> None:
    """A new image with its properties and tags (the caller built the row)."""
    session.add(image)
    session.flush()
    for name, value in properties.items():
        session.add(ImageProperty(image_id=image.id, name=name, value=value))
    for tag in tags:
        session.add(ImageTag(image_id=image.id, value=tag, created_at=image.created_at))
    session.flush()


def save_properties(session: Session, image_id: str, old: dict[str, str],
                    new: dict[str, str]) -> None:
    """Write the difference between ``old`` and ``new`` custom properties."""
    for name in old.keys() - new.keys():
        row = session.get(ImageProperty, (image_id, name))
        if row is not None:
            session.delete(row)
    for name, value in new.items():
        if old.get(name) == value and name in old:
            continue
        row = session.get(ImageProperty, (image_id, name))
        if row is None:
            session.add(ImageProperty(image_id=image_id, name=name, value=value))
        else:
            row.value = value


def replace_tags(session: Session, image_id: str, tags: list[str]) -> None:
    session.execute(delete(ImageTag).where(ImageTag.image_id == image_id))
    now = utcnow()
    for tag in tags:
        session.add(ImageTag(image_id=image_id, value=tag, created_at=now))


def has_tag(session: Session, image_id: str, tag: str) -> bool:
    return session.get(ImageTag, (image_id, tag)) is not None


def tag_count(session: Session, image_id: str) -> int:
    return int(session.scalar(select(func.count()).select_from(ImageTag).where(
        ImageTag.image_id == image_id)) or 0)


def add_tag(session: Session, image_id: str, tag: str) -> None:
    session.add(ImageTag(image_id=image_id, value=tag, created_at=utcnow()))


def remove_tag(session: Session, image_id: str, tag: str) -> bool:
    row = session.get(ImageTag, (image_id, tag))
    if row is None:
        return False
    session.delete(row)
    return True


def remove(session: Session, image: Image) -> dict[str, str]:
    """Delete the image with everything hanging off it; the store copies it had, by store."""
    copies = locations.remove_all(session, image.id)
    for model in (ImageProperty, ImageTag, ImageMember):
        session.execute(delete(model).where(model.image_id == image.id))
    session.delete(image)
    return copies


def left_in(session: Session, statuses: tuple[str, ...], before: dt.datetime) -> list[Image]:
    """Images in one of ``statuses`` that nothing touched since ``before``, oldest first."""
    return list(session.execute(select(Image).where(
        Image.status.in_(statuses), Image.updated_at < before)
        .order_by(Image.created_at)).scalars())
