"""The engine's writes: resource states, events and stack states, each in its own short
transaction so that the API shows progress while a stack is built."""

from __future__ import annotations

import uuid
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.orchestration.db import resources as resource_db
from nimbus.orchestration.db.models import Event, Resource, Stack
from nimbus.orchestration.engine.loaded import ResourceState


class EngineStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @retry_on_lock()
    def stack_status(self, stack_id: str, action: str, status: str, reason: str,
                     **changes: Any) -> None:
        with self.db.writer() as session:
            row = session.get(Stack, stack_id)
            if row is None:
                return
            row.action, row.status, row.status_reason = action, status, reason
            row.updated_at = utcnow() if action != "CREATE" else row.updated_at
            for key, value in changes.items():
                setattr(row, key, value)

    @retry_on_lock()
    def event(self, stack_id: str, name: str, type_name: str, physical_id: str | None,
              action: str, status: str, reason: str,
              properties: dict[str, Any] | None = None) -> None:
        with self.db.writer() as session:
            session.add(Event(id=str(uuid.uuid4()), stack_id=stack_id, resource_name=name,
                              resource_type=type_name, physical_id=physical_id or "",
                              action=action, status=status, reason=reason,
                              properties=_jsonable(properties or {})))

    @retry_on_lock()
    def save(self, stack_id: str, state: ResourceState) -> None:
        """Write the resource's state (a row is made the first time)."""
        with self.db.writer() as session:
            row = session.get(Resource, state.id)
            if row is None:
                row = Resource(id=state.id, stack_id=stack_id, name=state.name, type=state.type,
                               properties={}, data={}, attributes={}, metadata_={},
                               requires=[])
                session.add(row)
            row.type = state.type
            row.action, row.status, row.status_reason = state.action, state.status, state.reason
            row.physical_id = state.physical_id
            row.properties = _jsonable(state.properties)
            row.data = _jsonable(state.data)
            row.metadata_ = _jsonable(state.metadata)
            row.requires = sorted(state.requires)
            row.updated_at = utcnow()

    @retry_on_lock()
    def replaced(self, old_id: str, new_id: str) -> None:
        with self.db.writer() as session:
            row = session.get(Resource, old_id)
            if row is not None:
                row.replaced_by = new_id

    @retry_on_lock()
    def remove(self, resource_id: str) -> None:
        with self.db.writer() as session:
            resource_db.remove(session, resource_id)

    def rows(self, stack_id: str) -> list[Resource]:
        with self.db.reader() as session:
            return resource_db.of_stack(session, stack_id)

    def data_of(self, resource_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = session.get(Resource, resource_id)
            return dict(row.data) if row is not None else {}

    def stack(self, stack_id: str) -> Stack | None:
        with self.db.reader() as session:
            return session.get(Stack, stack_id)


def _jsonable(value: Any) -> Any:
    """Plugin data as JSON keeps it (tuples as lists, other objects as text)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
