"""The image rules: creation, visibility, updates, tags, deletion and status actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import BadRequest, Conflict, Forbidden, NotFound, QuotaExceeded
from nimbus.image import states
from nimbus.image.constants import MAX_LIMIT, MAX_TAG_LENGTH, PROPERTY_QUOTA, TAG_QUOTA
from nimbus.image.db import images as rows
from nimbus.image.db import locations
from nimbus.image.db.models import Image
from nimbus.image.drivers.base import ImageStore
from nimbus.image.errors import ImageNotFound
from nimbus.image.schemas.image import WRITABLE_CORE
from nimbus.image.schemas.requests import Change, NewImage

if TYPE_CHECKING:
    from nimbus.image.manager.quotas import ImageQuotas
    from nimbus.image.manager.stores import Stores


def viewer(ctx: RequestContext) -> rows.Viewer:
    return rows.Viewer(ctx.project_id, ctx.is_admin)


class ImageManager:
    """Owns image invariants; knows nothing about HTTP."""

    def __init__(self, db: Database, store: ImageStore, staging: ImageStore, stores: Stores,
                 quotas: ImageQuotas | None = None) -> None:
        self.db = db
        self.store = store
        self.staging = staging
        # Every store of the cloud (``stores.Stores``), the primary one among them.
        self.stores = stores
        # Per-project quotas; None: unlimited.
        self.quotas = quotas

    # -- reading ---------------------------------------------------------------------------

    def visible(self, session: Session, ctx: RequestContext, image_id: str) -> Image:
        """The image row as ``ctx`` may see it, inside ``session``; 404 otherwise."""
        image = rows.visible(session, viewer(ctx), image_id)
        if image is None:
            raise ImageNotFound(id=image_id)
        return image

    def get(self, ctx: RequestContext, image_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return rows.record(session, self.visible(session, ctx, image_id))

    def stores_of(self, image_id: str) -> dict[str, str]:
        """Store id -> location of every copy of the image's bytes."""
        with self.db.reader() as session:
            return locations.of_images(session, [image_id])[image_id]

    def is_member(self, image_id: str, project_id: str | None) -> bool:
        with self.db.reader() as session:
            return rows.is_member(session, image_id, project_id)

    def list_images(self, ctx: RequestContext, q: rows.ImageQuery,
                    query: PageQuery) -> Page[dict[str, Any]]:
        """One page of the images ``ctx`` may list (at most ``MAX_LIMIT``)."""
        with self.db.reader() as session:
            return rows.list_page(session, viewer(ctx), q, query, MAX_LIMIT)

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
                if rows.get(session, image_id) is not None:
                    raise Conflict(f"Image with identifier {image_id} already exists!")
                image = Image(
                    id=image_id, name=core.get("name"),
                    owner=core.get("owner", ctx.project_id),
                    status=states.IMAGE_STATUS.start(states.QUEUED),
                    visibility=core.get("visibility", "shared"),
                    protected=bool(core.get("protected", False)),
                    os_hidden=bool(core.get("os_hidden", False)),
                    disk_format=core.get("disk_format"),
                    container_format=core.get("container_format"),
                    min_ram=core.get("min_ram") or 0, min_disk=core.get("min_disk") or 0,
                    created_at=now, updated_at=now,
                )
                rows.add(session, image, new.properties, new.tags)
                return rows.record(session, image)
        except IntegrityError:
            raise Conflict(f"Image with identifier {image_id} already exists!") from None

    @retry_on_lock()
    def update(self, ctx: RequestContext, image_id: str, changes: list[Change]) -> dict[str, Any]:
        with self.db.writer() as session:
            image = self.visible(session, ctx, image_id)
            current = rows.record(session, image)
            props = dict(current["properties"])
            tags = list(current["tags"])
            for change in changes:
                tags = self._apply(image, props, tags, change)
            if len(props) > PROPERTY_QUOTA:
                raise QuotaExceeded(resource="image properties", requested=len(props),
                                    limit=PROPERTY_QUOTA)
            if len(tags) > TAG_QUOTA:
                raise QuotaExceeded(resource="image tags", requested=len(tags), limit=TAG_QUOTA)
            rows.save_properties(session, image_id, current["properties"], props)
            if tags != current["tags"]:
                rows.replace_tags(session, image_id, tags)
            image.updated_at = utcnow()
            session.flush()
            return rows.record(session, image)

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
            # The API hands location operations to ``locations``; none arrive here.
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

    def delete(self, ctx: RequestContext, image_id: str) -> None:
        """Remove the record, then its bytes; an upload still running finds it gone."""
        location, staging, copies = self._delete_row(ctx, image_id)
        for store_id, url in copies.items():
            store = self.stores.by_id.get(store_id)
            (store.driver if store is not None else self.store).delete(url)
        if location and location not in copies.values():
            self.store.delete(location)
        if staging:
            self.staging.delete(staging)

    @retry_on_lock()
    def _delete_row(self, ctx: RequestContext,
                    image_id: str) -> tuple[str | None, str | None, dict[str, str]]:
        with self.db.writer() as session:
            image = self.visible(session, ctx, image_id)
            if image.protected:
                raise Forbidden(f"Image {image_id} is protected and cannot be deleted.")
            location, staging = image.location, image.staging
            return location, staging, rows.remove(session, image)

    @retry_on_lock()
    def add_tag(self, ctx: RequestContext, image_id: str, tag: str) -> None:
        if len(tag) > MAX_TAG_LENGTH:
            raise BadRequest(f"Image tag is longer than {MAX_TAG_LENGTH} characters.")
        if "\x00" in tag:
            raise BadRequest("Image tag may not contain NUL.")
        with self.db.writer() as session:
            image = self.visible(session, ctx, image_id)
            if rows.has_tag(session, image_id, tag):
                return
            count = rows.tag_count(session, image_id)
            if count >= TAG_QUOTA:
                raise QuotaExceeded(resource="image tags", requested=count + 1, limit=TAG_QUOTA)
            rows.add_tag(session, image_id, tag)
            image.updated_at = utcnow()

    @retry_on_lock()
    def remove_tag(self, ctx: RequestContext, image_id: str, tag: str) -> None:
        with self.db.writer() as session:
            image = self.visible(session, ctx, image_id)
            if not rows.remove_tag(session, image_id, tag):
                raise NotFound(f"Tag {tag} not found on image {image_id}.")
            image.updated_at = utcnow()

    @retry_on_lock()
    def set_active_state(self, ctx: RequestContext, image_id: str, action: str) -> None:
        """``deactivate`` or ``reactivate``; only images that have data may do either."""
        with self.db.writer() as session:
            image = self.visible(session, ctx, image_id)
            if not states.allowed(action, image.status):
                raise Forbidden(f"Not allowed to {action} image in status '{image.status}'")
            target = states.TRANSITIONS[action][2]
            if image.status != target:
                states.IMAGE_STATUS.move(image, target)
                image.updated_at = utcnow()
