"""Resource providers: create, find, rename, re-parent and delete them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core import errors
from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.placement.db.models import (
    Allocation,
    Inventory,
    ProviderAggregate,
    ProviderTrait,
    ResourceProvider,
)
from nimbus.placement.errors import CannotDeleteParent, DuplicateName, ProviderInUse
from nimbus.placement.manager.common import ProviderView, get_provider, views
from nimbus.placement.manager.filters import RequestGroup, filter_providers


@dataclass
class ProviderQuery:
    """The filters of GET /resource_providers."""

    name: str | None = None
    uuid: str | None = None
    group: RequestGroup | None = None


class ProviderManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, query: ProviderQuery) -> list[ProviderView]:
        with self.db.reader() as s:
            stmt = select(ResourceProvider).order_by(ResourceProvider.id)
            if query.name is not None:
                stmt = stmt.where(ResourceProvider.name == query.name)
            if query.uuid is not None:
                stmt = stmt.where(ResourceProvider.uuid == query.uuid)
            rps = list(s.scalars(stmt))
            if query.group is not None and rps:
                keep = filter_providers(s, query.group, {rp.id for rp in rps})
                rps = [rp for rp in rps if rp.id in keep]
            return views(s, rps)

    def get(self, uuid: str) -> ProviderView:
        with self.db.reader() as s:
            return views(s, [get_provider(s, uuid)])[0]

    @retry_on_lock()
    def create(self, name: str, uuid: str | None = None,
               parent_uuid: str | None = None) -> ProviderView:
        uuid = uuid or new_id()
        try:
            with self.db.writer() as s:
                if s.scalar(select(ResourceProvider.id).where(ResourceProvider.name == name)):
                    raise DuplicateName(name=name)
                if s.scalar(select(ResourceProvider.id).where(ResourceProvider.uuid == uuid)):
                    raise errors.Conflict(
                        f"Conflicting resource provider uuid: {uuid} already exists.",
                        error_code="placement.undefined_code")
                parent = None
                if parent_uuid is not None:
                    parent = s.scalars(select(ResourceProvider)
                                       .where(ResourceProvider.uuid == parent_uuid)).first()
                    if parent is None:
                        raise errors.BadRequest(
                            f"parent provider UUID {parent_uuid} does not exist.")
                rp = ResourceProvider(uuid=uuid, name=name, generation=0)
                if parent is not None:
                    rp.parent_provider_id = parent.id
                    rp.root_provider_id = parent.root_provider_id or parent.id
                s.add(rp)
                s.flush()
                if rp.root_provider_id is None:
                    rp.root_provider_id = rp.id
                s.flush()
                return views(s, [rp])[0]
        except IntegrityError:
            # A concurrent create of the same name or uuid won the race.
            raise DuplicateName(name=name) from None

    @retry_on_lock()
    def update(self, uuid: str, name: str, parent_uuid: str | None = None,
               set_parent: bool = False, may_move: bool = False) -> ProviderView:
        """Rename; with ``set_parent`` also attach (or, with ``may_move``, move or detach)."""
        try:
            with self.db.writer() as s:
                rp = get_provider(s, uuid, "update")
                clash = s.scalar(select(ResourceProvider.id).where(
                    ResourceProvider.name == name, ResourceProvider.id != rp.id))
                if clash:
                    raise DuplicateName(name=name)
                rp.name = name
                if set_parent:
                    self._reparent(s, rp, parent_uuid, may_move)
                rp.generation += 1
                rp.updated_at = utcnow()
                s.flush()
                return views(s, [rp])[0]
        except IntegrityError:
            raise DuplicateName(name=name) from None

    def _reparent(self, s: Session, rp: ResourceProvider, parent_uuid: str | None,
                  may_move: bool) -> None:
        current = None
        if rp.parent_provider_id is not None:
            current = s.scalar(select(ResourceProvider.uuid)
                               .where(ResourceProvider.id == rp.parent_provider_id))
        if parent_uuid == current:
            return
        # Before 1.37 a root may gain a parent, but a provider may not move or lose one.
        if current is not None and not may_move:
            raise errors.BadRequest("re-parenting a provider is not currently allowed.")
        subtree = _subtree(s, rp)
        parent = None
        if parent_uuid is not None:
            parent = s.scalars(select(ResourceProvider)
                               .where(ResourceProvider.uuid == parent_uuid)).first()
            if parent is None:
                raise errors.BadRequest(f"parent provider UUID {parent_uuid} does not exist.")
            if parent.id in {m.id for m in subtree}:
                raise errors.BadRequest("creating loop in the provider tree is not allowed.")
        new_root = (parent.root_provider_id or parent.id) if parent is not None else rp.id
        for member in subtree:
            member.root_provider_id = new_root
        rp.parent_provider_id = parent.id if parent is not None else None

    @retry_on_lock()
    def delete(self, uuid: str) -> None:
        with self.db.writer() as s:
            rp = get_provider(s, uuid, "delete")
            if s.scalar(select(func.count()).select_from(Allocation)
                        .where(Allocation.resource_provider_id == rp.id)):
                raise ProviderInUse(uuid=uuid)
            if s.scalar(select(func.count()).select_from(ResourceProvider)
                        .where(ResourceProvider.parent_provider_id == rp.id)):
                raise CannotDeleteParent(uuid=uuid)
            for model in (Inventory, ProviderTrait, ProviderAggregate):
                s.execute(delete(model).where(model.resource_provider_id == rp.id))
            s.delete(rp)


def _subtree(s: Session, rp: ResourceProvider) -> list[ResourceProvider]:
    """``rp`` and every provider below it."""
    found = [rp]
    frontier = [rp.id]
    while frontier:
        children = list(s.scalars(select(ResourceProvider)
                                  .where(ResourceProvider.parent_provider_id.in_(frontier))))
        found.extend(children)
        frontier = [c.id for c in children]
    return found
