"""Choosing the backend a new volume lives on, from the agents that heartbeat."""

from __future__ import annotations

from nimbus.core.registry import Registry
from nimbus.volume.constants import BINARY


def up_backends(registry: Registry) -> list[str]:
    """``host@backend`` of every volume agent that is up and enabled."""
    return [r["host"] for r in registry.list(BINARY) if r["up"] and not r["disabled"]]


def pick_host(registry: Registry, size: int) -> str | None:
    """A volume host ``host@backend#pool`` for ``size`` GiB, or None when no backend is up.

    Every backend reports unlimited capacity for now, so the first registered one wins;
    capacity weighing arrives with the real drivers' ``get_capacity``.
    """
    backends = up_backends(registry)
    if not backends:
        return None
    chosen = backends[0]
    pool = chosen.split("@", 1)[1] if "@" in chosen else chosen
    return f"{chosen}#{pool}"
