"""Driver loading from entry points, chosen by configuration; a broken choice fails at start."""

from __future__ import annotations

import functools
from importlib import import_module, metadata
from typing import Any

from nimbus.core.errors import NimbusError

# The services of one cloud, in start order: identity first (everything authenticates against
# it), compute after the services it calls, orchestration (which calls them all) and the
# dashboard last.
SERVICES = ["identity", "placement", "image", "network", "volume", "object", "compute",
            "orchestration", "dashboard"]


class DriverLoadError(NimbusError):
    message_format = "Cannot load {kind} driver '{name}': {reason}"


@functools.cache
def _registered() -> dict[str, dict[str, metadata.EntryPoint]]:
    """Every ``nimbus.*`` entry point of the installed distributions, by group and name.

    Read once per process: ``entry_points(group=...)`` parses every distribution's metadata
    on each call, and a start loads a driver a dozen times. Only the metadata that names a
    ``nimbus.`` group is parsed at all.
    """
    found: dict[str, dict[str, metadata.EntryPoint]] = {}
    for dist in metadata.distributions():
        text = dist.read_text("entry_points.txt")
        if not text or "[nimbus." not in text:
            continue
        for ep in dist.entry_points:
            if ep.group.startswith("nimbus."):
                # The first distribution on the path wins, as importlib's own lookup does.
                found.setdefault(ep.group, {}).setdefault(ep.name, ep)
    return found


def load_driver(kind: str, name: str) -> type[Any]:
    """The class registered as ``name`` in the ``nimbus.<kind>.drivers`` entry-point group.

    A ``module:Class`` path is accepted too, for drivers that live outside the package.
    """
    group = f"nimbus.{kind}.drivers"
    try:
        if ":" in name:
            module, attr = name.split(":", 1)
            return getattr(import_module(module), attr)  # type: ignore[no-any-return]
        ep = _registered().get(group, {}).get(name)
        if ep is not None:
            return ep.load()  # type: ignore[no-any-return]
        # Running from a source tree without an install: fall back to the package convention.
        driver_module = import_module(f"nimbus.{kind}.drivers.{name}")
        return driver_module.DRIVER  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as exc:
        raise DriverLoadError(kind=kind, name=name, reason=str(exc)) from exc


def service_definition(name: str) -> Any:
    return import_module(f"nimbus.{name}.service").SERVICE
