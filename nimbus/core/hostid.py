"""Which machine this process runs on, as something a peer can compare with its own.

systemd's machine id (``/etc/machine-id``, or D-Bus's copy) names the installed system, not a
host name an operator gives (several simulated hosts of one machine share it; two machines
cloned from one image would too, which systemd regenerates on first boot). A volume host
compares it with a compute host's to tell whether the compute host can open its files itself.
"""

from __future__ import annotations

import functools
from pathlib import Path

_SOURCES = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))


@functools.cache
def machine_id() -> str:
    """This machine's id ('' when the system keeps none: then no peer is taken for this one)."""
    for source in _SOURCES:
        try:
            value = source.read_text().strip()
        except OSError:
            continue
        if value:
            return value
    return ""
