"""The backends one volume agent serves (Cinder's ``enabled_backends``), from the settings.

Each backend is a driver instance of its own, served as ``<host>@<name>`` on both volume
topics with its own work, backup and reconciliation machinery; backends of one agent share
nothing but the process. ``name`` is also what the backend reports as its
``volume_backend_name``, which volume types select with that extra spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nimbus.conf.settings import Settings, SettingsError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass
class BackendConfig:
    # Empty for the one backend of an agent configured without ``backends``: the driver names it.
    name: str
    driver: str
    availability_zone: str
    options: dict[str, Any] = field(default_factory=dict)


def configured(settings: Settings) -> list[BackendConfig]:
    """The backends of ``settings.volume``, checked: every one named once, with a driver."""
    volume = settings.volume
    if not volume.backends:
        options = dict(volume.backend)
        # Empty: the driver's own name (``fake``, ``file``...).
        name = str(options.pop("backend_name", "") or "")
        zone = str(options.pop("availability_zone", "") or volume.availability_zone)
        return [BackendConfig(name, volume.driver, zone, options)]
    found: list[BackendConfig] = []
    for index, entry in enumerate(volume.backends):
        if not isinstance(entry, dict):
            raise SettingsError(f"volume.backends[{index}] must be a mapping")
        options = dict(entry)
        name = str(options.pop("name", "") or "")
        if not _NAME.match(name):
            raise SettingsError(f"volume.backends[{index}] needs a 'name' of letters, digits, "
                                f"'.', '_' or '-' (not {name!r})")
        if name in [b.name for b in found]:
            raise SettingsError(f"volume.backends: the name {name!r} is used twice")
        driver = str(options.pop("driver", "") or volume.driver)
        zone = str(options.pop("availability_zone", "") or volume.availability_zone)
        found.append(BackendConfig(name, driver, zone, options))
    return found
