"""Driver loading from entry points, chosen by configuration; a broken choice fails at start."""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from nimbus.core.errors import NimbusError

# The services of one cloud, in start order: identity first (everything authenticates against
# it), compute after the services it calls, orchestration (which calls them all) and the
# dashboard last.
SERVICES = ["identity", "placement", "image", "network", "volume", "object", "compute",
            "orchestration", "dashboard"]


class DriverLoadError(NimbusError):
    message_format = "Cannot load {kind} driver '{name}': {reason}"


def load_driver(kind: str, name: str) -> type[Any]:
    """The class registered as ``name`` in the ``nimbus.<kind>.drivers`` entry-point group.

    A ``module:Class`` path is accepted too, for drivers that live outside the package.
    """
    group = f"nimbus.{kind}.drivers"
    try:
        if ":" in name:
            module, attr = name.split(":", 1)
            return getattr(import_module(module), attr)  # type: ignore[no-any-return]
        for ep in entry_points(group=group):
            if ep.name == name:
                return ep.load()  # type: ignore[no-any-return]
        # Running from a source tree without an install: fall back to the package convention.
        driver_module = import_module(f"nimbus.{kind}.drivers.{name}")
        return driver_module.DRIVER  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as exc:
        raise DriverLoadError(kind=kind, name=name, reason=str(exc)) from exc


def service_definition(name: str) -> Any:
    return import_module(f"nimbus.{name}.service").SERVICE
