"""A stack's resources and events as the API reads them: with nested stacks down to a depth,
filtered, and with the attributes of one resource worked out when it is shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import PageQuery
from nimbus.orchestration.db import resources as resource_db
from nimbus.orchestration.db import stacks as stack_db
from nimbus.orchestration.db.models import Event, Resource, Stack
from nimbus.orchestration.template.errors import EntityNotFound


@dataclass
class Found:
    stack: Stack
    resource: Resource
    required_by: list[str]
    nested_id: str | None
    nested_name: str | None = None


class ResourceReader:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _nested_ids(self, stack_id: str) -> dict[str, str]:
        """Owner resource name -> nested stack id, for one stack."""
        return {k: v[0] for k, v in self._nested(stack_id).items()}

    def _nested(self, stack_id: str) -> dict[str, tuple[str, str]]:
        """Owner resource name -> (nested stack id, its name), for one stack."""
        with self.db.reader() as session:
            return {c.owner_resource or "": (c.id, c.name)
                    for c in stack_db.children(session, stack_id)}

    def listing(self, row: Stack, depth: int = 0) -> list[Found]:
        with self.db.reader() as session:
            rows = [r for r in resource_db.of_stack(session, row.id) if r.replaced_by is None]
        nested = self._nested(row.id)
        found: list[Found] = []
        for res in rows:
            required_by = sorted(o.name for o in rows if res.name in (o.requires or []))
            child = nested.get(res.name)
            found.append(Found(row, res, required_by, child[0] if child else None,
                               child[1] if child else None))
        if depth > 0:
            for name, (child_id, _) in nested.items():
                with self.db.reader() as session:
                    child_row = stack_db.by_id(session, child_id)
                if child_row is not None and name:
                    found.extend(self.listing(child_row, depth - 1))
        return found

    def one(self, row: Stack, name: str) -> Found:
        for found in self.listing(row):
            if found.resource.name == name:
                return found
        raise EntityNotFound(entity="Resource", name=name, heat_type="EntityNotFound")

    def _stacks(self, row: Stack, depth: int) -> dict[str, Stack]:
        """The stack and its nested stacks down to ``depth``, by id."""
        found = {row.id: row}
        if depth > 0:
            with self.db.reader() as session:
                for child in stack_db.children(session, row.id):
                    found.update(self._stacks(child, depth - 1))
        return found

    def events(self, row: Stack, f: resource_db.EventFilters, query: PageQuery,
               depth: int = 0) -> list[tuple[Stack, Event]]:
        """One page of the stack's events (and its nested stacks' down to ``depth``), each
        with the stack it is of."""
        stacks = self._stacks(row, depth)
        f.stack_ids = list(stacks)
        with self.db.reader() as session:
            found = resource_db.events(session, f, query).items
        return [(stacks[e.stack_id], e) for e in found]

    def event(self, row: Stack, event_id: str) -> Event:
        with self.db.reader() as session:
            found = resource_db.event(session, row.id, event_id)
        if found is None:
            raise EntityNotFound(entity="Event", name=event_id, heat_type="EntityNotFound")
        return found

    @retry_on_lock()
    def mark(self, resource_id: str, unhealthy: bool, reason: str) -> Resource | None:
        from nimbus.orchestration.engine.store import EngineStore

        with self.db.writer() as session:
            res = session.get(Resource, resource_id)
            if res is None:
                return None
            if unhealthy:
                res.action, res.status = "CHECK", "FAILED"
                res.status_reason = reason or "Marked unhealthy"
            elif res.action == "CHECK" and res.status == "FAILED":
                res.status = "COMPLETE"
                res.status_reason = reason or "state changed"
            stack_id, name, rtype, pid = res.stack_id, res.name, res.type, res.physical_id
            action, status, why = res.action, res.status, res.status_reason
        EngineStore(self.db).event(stack_id, name, rtype, pid, action, status, why)
        return res

    @retry_on_lock()
    def clear_hook(self, resource_id: str, hook: str) -> bool:
        """Clear the hook a resource waits on; False when it waits on no such hook."""
        with self.db.writer() as session:
            res = session.get(Resource, resource_id)
            if res is None or (res.data or {}).get("_hook") != hook:
                return False
            data = dict(res.data)
            data.pop("_hook", None)
            res.data = data
            stack_id, name, rtype, pid = res.stack_id, res.name, res.type, res.physical_id
            action, status = res.action, res.status
        from nimbus.orchestration.engine.store import EngineStore

        EngineStore(self.db).event(stack_id, name, rtype, pid, action, status,
                                   f"Hook {hook} is cleared")
        return True

    @retry_on_lock()
    def record_signal(self, resource_id: str,
                      change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Apply ``change`` to the resource's data in one transaction, and say so in an
        event (``SIGNAL_COMPLETE``)."""
        from nimbus.orchestration.engine.store import EngineStore

        with self.db.writer() as session:
            res = session.get(Resource, resource_id, with_for_update=True)
            if res is None:
                return
            res.data = change(dict(res.data or {}))
            last = list((res.data.get("signals") or {}).values())[-1:] or [{}]
            reason = f"Signal: status:{last[0].get('status')} reason:{last[0].get('reason')}"
            stack_id, name, rtype, pid = res.stack_id, res.name, res.type, res.physical_id
        EngineStore(self.db).event(stack_id, name, rtype, pid, "SIGNAL", "COMPLETE", reason)

    def data_of(self, resource_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            res = session.get(Resource, resource_id)
            return dict(res.data) if res is not None else {}


def deliver(reader: ResourceReader, rpc: Any, stack: Stack, resource: Resource,
            details: Any) -> None:
    """A signal to a resource: a handle records it at once (its wait condition reads it);
    a type that acts on signals (a scaling policy, a deployment) gets it in the engine."""
    from nimbus.core.errors import BadRequest
    from nimbus.orchestration.resources import registry
    from nimbus.orchestration.resources.base import ResourceFailure

    cls = registry.types().get(resource.type)
    if cls is None or not cls.SIGNALS:
        raise BadRequest("signal is not supported for resource.",
                         heat_type="ResourceActionNotSupported")
    if getattr(cls, "RECORDS_SIGNALS", False):
        from nimbus.orchestration.resources.wait import record

        try:
            reader.record_signal(resource.id, lambda data: record(
                data, details, bool(getattr(cls, "NATIVE", True))))
        except ResourceFailure as exc:
            raise BadRequest(str(exc), heat_type=exc.kind) from None
        return
    rpc.signal({}, stack.id, resource.name, details)
