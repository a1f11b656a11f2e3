"""Choosing the backend a new volume or group lives on, from the agents that heartbeat."""

from __future__ import annotations

from collections.abc import Collection

from nimbus.core.registry import Registry
from nimbus.volume.constants import BINARY


def up_backends(registry: Registry) -> list[str]:
    """``host@backend`` of every volume agent that is up and enabled."""
    return [r["host"] for r in registry.list(BINARY) if r["up"] and not r["disabled"]]


def with_pool(backend: str) -> str:
    """The volume host ``host@backend#pool`` of a backend (each has one pool, named after it)."""
    pool = backend.split("@", 1)[1] if "@" in backend else backend
    return f"{backend}#{pool}"


def pick_host(registry: Registry, size: int, skip: Collection[str] = ()) -> str | None:
    """A volume host ``host@backend#pool`` for ``size`` GiB, or None when no backend is up.

    Backends in ``skip`` (frozen ones) take nothing new. Every backend reports unlimited
    capacity for now, so the first registered one wins; capacity weighing arrives with the real
    drivers' ``get_capacity``.
    """
    backends = [b for b in up_backends(registry) if b not in skip]
    if not backends:
        return None
    return with_pool(backends[0])
