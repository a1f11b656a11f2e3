"""The image rules: creation, visibility, updates, tags, deletion and status actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    QuotaExceeded,
    register,
)
from nimbus.image import locations, query, states
from nimbus.image.db.models import Image, ImageMember, ImageProperty, ImageTag
from nimbus.image.drivers.base import ImageStore
from nimbus.image.schemas.image import WRITABLE_CORE
from nimbus.image.schemas.requests import Change, ListQuery, NewImage

PROPERTY_QUOTA = 128
TAG_QUOTA = 128
MAX_TAG_LENGTH = 255

_COLUMNS = ("id", "name", "owner", "status", "visibility", "protected", "os_hidden",
            "disk_format", "container_format", "size", "virtual_size", "checksum",
            "os_hash_algo", "os_hash_value", "min_ram", "min_disk", "location", "staging",
            "created_at", "updated_at")


class ImageNotFound(NotFound):
    message_format = "No image found with ID {id}"


register(ImageNotFound)


def record(session: Session, image: Image) -> dict[str, Any]:
    """A detached, plain view of one image with its properties and tags."""
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
    return [{**{c: getattr(i, c) for c in _COLUMNS}, "properties": props[i.id],
             "tags": tags[i.id], "locations": stored[i.id],
             "location_entries": [{"url": e.url, "metadata": dict(e.metadata)}
                                  for e in listed[i.id]]} for i in images]


class ImageManager:
    """Owns image invariants; knows nothing about HTTP."""

    def __init__(self, db: Database, store: ImageStore, staging: ImageStore) -> None:
        self.db = db
        self.store = store
        self.staging = staging
        # The multi-store registry (``stores.Stores``), set by the service; None: one store.
        self.stores: Any = None
        # Per-project quotas (``quotas.ImageQuotas``), set by the service; None: unlimited.
        self.quotas: Any = None

    # -- reading ---------------------------------------------------------------------------

    def _visible(self, session: Session, ctx: RequestContext, image_id: str) -> Image:
        image = session.execute(
            select(Image).where(Image.id == image_id, query.visible_to(ctx))
        ).scalar_one_or_none()
        if image is None:
            raise ImageNotFound(id=image_id)
        return image

    def get(self, ctx: RequestContext, image_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return record(session, self._visible(session, ctx, image_id))

    def stores_of(self, image_id: str) -> dict[str, str]:
        """Store id -> location of every copy of the image's bytes."""
        with self.db.reader() as session:
            return locations.of_images(session, [image_id])[image_id]

    def is_member(self, image_id: str, project_id: str | None) -> bool:
        with self.db.reader() as session:
            return session.get(ImageMember, (image_id, project_id or "")) is not None

    def list_images(self, ctx: RequestContext,
                    q: ListQuery) -> tuple[list[dict[str, Any]], str | None]:
        """One page and the marker of the next one (Glance offers it whenever a page is full)."""
        with self.db.reader() as session:
            stmt, limit = query.build(session, ctx, q)
            images = list(session.execute(stmt).scalars())
            page = records(session, images)
        next_marker = page[-1]["id"] if page and len(page) == limit else None
        return page, next_marker

    # -- writing ---------------------------------------------------------------------------

    @retry_on_lock()
    def create(self, ctx: RequestContext, new: NewImage) -> dict[str, Any]:
        core = dict(new.core)
        image_id = core.pop("id", None) or new_id()
        if len(new.properties) > PROPERTY_QUOTA:
            raise QuotaExceeded(resource="image properties", requested=len(new.properties),
                                limit=PROPERTY_QUOTA)
        if len(new.tags) > TAG_QUOTA:
            raise QuotaExceeded(resource="image tags", requested=len(new.tags), limit=TAG_QUOTA)
        if self.quotas is not None:
            self.quotas.check_create(core.get("owner", ctx.project_id))
        now = utcnow()
        try:
            with self.db.writer() as session:
                if session.get(Image, image_id) is not None:
                    raise Conflict(f"Image with identifier {image_id} already exists!")
                image = Image(
                    id=image_id, name=core.get("name"),
                    owner=core.get("owner", ctx.project_id),
                    status=states.QUEUED, visibility=core.get("visibility", "shared"),
                    protected=bool(core.get("protected", False)),
                    os_hidden=bool(core.get("os_hidden", False)),
                    disk_format=core.get("disk_format"),
                    container_format=core.get("container_format"),
                    min_ram=core.get("min_ram") or 0, min_disk=core.get("min_disk") or 0,
                    created_at=now, updated_at=now,
                )
                session.add(image)
                session.flush()
                for name, value in new.properties.items():
                    session.add(ImageProperty(image_id=image_id, name=name, value=value))
                for tag in new.tags:
                    session.add(ImageTag(image_id=image_id, value=tag, created_at=now))
                session.flush()
                return record(session, image)
        except IntegrityError:
            raise Conflict(f"Image with identifier {image_id} already exists!") from None

    @retry_on_lock()
    def update(self, ctx: RequestContext, image_id: str, changes: list[Change]) -> dict[str, Any]:
        with self.db.writer() as session:
            image = self._visible(session, ctx, image_id)
            current = record(session, image)
            props = dict(current["properties"])
            tags = list(current["tags"])
            for change in changes:
                tags = self._apply(image, props, tags, change)
            if len(props) > PROPERTY_QUOTA:
                raise QuotaExceeded(resource="image properties", requested=len(props),
                                    limit=PROPERTY_QUOTA)
            if len(tags) > TAG_QUOTA:
                raise QuotaExceeded(resource="image tags", requested=len(tags), limit=TAG_QUOTA)
            self._save_properties(session, image_id, current["properties"], props)
            if tags != current["tags"]:
                session.execute(delete(ImageTag).where(ImageTag.image_id == image_id))
                now = utcnow()
                for tag in tags:
                    session.add(ImageTag(image_id=image_id, value=tag, created_at=now))
            image.updated_at = utcnow()
            session.flush()
            return record(session, image)

    @staticmethod
    def _apply(image: Image, props: dict[str, str], tags: list[str], change: Change) -> list[str]:
        root = change.path[0]
        if root in WRITABLE_CORE:
            if change.op == "remove":
                raise Forbidden(f"Property {root} may not be removed.")
            if change.op == "add" and change.draft == 4:
                raise Conflict(f"Property {root} already present.")
            if root == "tags":
                return list(dict.fromkeys(change.value))
            if root in ("disk_format", "container_format") and \
                    image.status not in states.FORMAT_EDITABLE and \
                    getattr(image, root) != change.value:
                raise Forbidden(f"Attribute {root} can be only replaced for a queued image.")
            if root in ("protected", "os_hidden", "visibility", "min_ram", "min_disk") and \
                    change.value is None:
                raise BadRequest(f"Attribute {root} may not be null.")
            setattr(image, root, change.value)
            return tags
        if root == "locations":
            # The API hands location operations to ``location_manager``; none arrive here.
            raise Forbidden("Image locations are managed by the image service.")
        if change.op == "remove":
            if root not in props:
                raise Conflict(f"Property {root} does not exist.")
            del props[root]
        elif change.op == "replace":
            if root not in props:
                raise Conflict(f"Property {root} does not exist.")
            props[root] = change.value
        else:
            if root in props and change.draft == 4:
                raise Conflict(f"Property {root} already present.")
            props[root] = change.value
        return tags

    @staticmethod
    def _save_properties(session: Session, image_id: str, old: dict[str, str],
                         new: dict[str, str]) -> None:
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

    def delete(self, ctx: RequestContext, image_id: str) -> None:
        """Remove the record, then its bytes; an upload still running finds it gone."""
        location, staging, copies = self._delete_row(ctx, image_id)
        for store_id, url in copies.items():
            store = self.stores.by_id.get(store_id) if self.stores is not None else None
            (store.driver if store is not None else self.store).delete(url)
        if location and location not in copies.values():
            self.store.delete(location)
        if staging:
            self.staging.delete(staging)

    @retry_on_lock()
    def _delete_row(self, ctx: RequestContext,
                    image_id: str) -> tuple[str | None, str | None, dict[str, str]]:
        with self.db.writer() as session:
            image = self._visible(session, ctx, image_id)
            if image.protected:
                raise Forbidden(f"Image {image_id} is protected and cannot be deleted.")
            found = (image.location, image.staging, locations.remove_all(session, image_id))
            for model in (ImageProperty, ImageTag, ImageMember):
                session.execute(delete(model).where(model.image_id == image_id))
            session.delete(image)
            return found

    @retry_on_lock()
    def add_tag(self, ctx: RequestContext, image_id: str, tag: str) -> None:
        if len(tag) > MAX_TAG_LENGTH:
            raise BadRequest(f"Image tag is longer than {MAX_TAG_LENGTH} characters.")
        with self.db.writer() as session:
            image = self._visible(session, ctx, image_id)
            if session.get(ImageTag, (image_id, tag)) is not None:
                return
            count = len(session.execute(select(ImageTag.value).where(
                ImageTag.image_id == image_id)).all())
            if count >= TAG_QUOTA:
                raise QuotaExceeded(resource="image tags", requested=count + 1, limit=TAG_QUOTA)
            session.add(ImageTag(image_id=image_id, value=tag, created_at=utcnow()))
            image.updated_at = utcnow()

    @retry_on_lock()
    def remove_tag(self, ctx: RequestContext, image_id: str, tag: str) -> None:
        with self.db.writer() as session:
            image = self._visible(session, ctx, image_id)
            row = session.get(ImageTag, (image_id, tag))
            if row is None:
                raise NotFound(f"Tag {tag} not found on image {image_id}.")
            session.delete(row)
            image.updated_at = utcnow()

    @retry_on_lock()
    def set_active_state(self, ctx: RequestContext, image_id: str, action: str) -> None:
        """``deactivate`` or ``reactivate``; only images that have data may do either."""
        with self.db.writer() as session:
            image = self._visible(session, ctx, image_id)
            if not states.allowed(action, image.status):
                raise Forbidden(f"Not allowed to {action} image in status '{image.status}'")
            target = states.TRANSITIONS[action][2]
            if image.status != target:
                image.status = target
                image.updated_at = utcnow()
