"""Alembic environment for Nimbus: the connection and services come from ``migrate.py``."""

from __future__ import annotations

from typing import Any

from alembic import context

from nimbus.core.db.migrate import metadata_of

config = context.config
services: list[str] = config.attributes.get("services", [])
autogen = config.attributes.get("autogen_service")
target = metadata_of(autogen) if autogen else None


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table" and target is not None:
        return name in target.tables
    return True


connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target,
    include_object=include_object,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
