"""Resource providers: create, find, rename, re-parent and delete them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nimbus.core import errors
from nimbus.core.db.base import new_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.placement.db import providers as queries
from nimbus.placement.db.filters import RequestGroup
from nimbus.placement.db.models import ResourceProvider
from nimbus.placement.db.providers import ProviderView
from nimbus.placement.errors import CannotDeleteParent, DuplicateName, ProviderInUse
from nimbus.placement.manager.common import require_known

__all__ = ["ProviderManager", "ProviderQuery", "ProviderView", "RequestGroup"]


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
            if query.group is not None:
                require_known(s, query.group)
            return queries.listing(s, query.name, query.uuid, query.group)

    def get(self, uuid: str) -> ProviderView:
        with self.db.reader() as s:
            return queries.views(s, [queries.get(s, uuid)])[0]

    @retry_on_lock()
    def create(self, name: str, uuid: str | None = None,
               parent_uuid: str | None = None) -> ProviderView:
        uuid = uuid or new_id()
        try:
            with self.db.writer() as s:
                if queries.name_taken(s, name):
                    raise DuplicateName(name=name)
                if queries.uuid_taken(s, uuid):
                    raise errors.Conflict(
                        f"Conflicting resource provider uuid: {uuid} already exists.",
                        error_code="placement.undefined_code")
                parent = None
                if parent_uuid == uuid:
                    raise errors.BadRequest(
                        f'Unable to create resource provider "{name}", {uuid}: parent provider '
                        f"UUID cannot be same as UUID. Please set parent provider UUID to None "
                        f"if there is no parent.")
                if parent_uuid is not None:
                    parent = queries.find(s, parent_uuid)
                    if parent is None:
                        raise errors.BadRequest(
                            f"parent provider UUID {parent_uuid} does not exist.")
                rp = queries.add(s, uuid, name, parent)
                return queries.views(s, [rp])[0]
        except IntegrityError:
            # A concurrent create of the same name or uuid won the race.
            raise DuplicateName(name=name) from None

    @retry_on_lock()
    def update(self, uuid: str, name: str, parent_uuid: str | None = None,
               set_parent: bool = False, may_move: bool = False) -> ProviderView:
        """Rename; with ``set_parent`` also attach (or, with ``may_move``, move or detach)."""
        try:
            with self.db.writer() as s:
                rp = queries.get(s, uuid, "update")
                if queries.name_taken(s, name, other_than=rp.id):
                    raise DuplicateName(name=name)
                rp.name = name
                if set_parent:
                    self._reparent(s, rp, parent_uuid, may_move)
                # As in Placement, a rename or a move leaves the generation alone: it guards
                # inventories, traits, aggregates and allocations.
                rp.updated_at = utcnow()
                s.flush()
                return queries.views(s, [rp])[0]
        except IntegrityError:
            raise DuplicateName(name=name) from None

    @staticmethod
    def _reparent(s: Session, rp: ResourceProvider, parent_uuid: str | None,
                  may_move: bool) -> None:
        current = None
        if rp.parent_provider_id is not None:
            current = queries.uuid_of(s, rp.parent_provider_id)
        if parent_uuid == current:
            return
        # Before 1.37 a root may gain a parent, but a provider may not move or lose one.
        if current is not None and not may_move:
            what = "un-parenting" if parent_uuid is None else "re-parenting"
            raise errors.BadRequest(f"{what} a provider is not currently allowed.")
        subtree = queries.subtree(s, rp)
        parent = None
        if parent_uuid is not None:
            parent = queries.find(s, parent_uuid)
            if parent is None:
                raise errors.BadRequest("parent provider UUID does not exist.")
            if parent.id in {m.id for m in subtree}:
                raise errors.BadRequest("creating loop in the provider tree is not allowed.")
        new_root = (parent.root_provider_id or parent.id) if parent is not None else rp.id
        for member in subtree:
            member.root_provider_id = new_root
        rp.parent_provider_id = parent.id if parent is not None else None

    @retry_on_lock()
    def delete(self, uuid: str) -> None:
        with self.db.writer() as s:
            rp = queries.get(s, uuid, "delete")
            if queries.has_allocations(s, rp.id):
                raise ProviderInUse(uuid=uuid)
            if queries.has_children(s, rp.id):
                raise CannotDeleteParent(uuid=uuid)
            queries.remove(s, rp)
