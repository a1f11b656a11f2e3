"""Block storage settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class VolumeSettings:
    driver: str = "fake"
    # Seconds the fake driver takes for each create, delete and extend of a volume or snapshot
    # (0: at once), so that a test can stop the cloud while such work is in flight.
    fake_delay: float = 0.0
    # Options handed to the driver as they are (``backend_name``, sizes...).
    backend: dict[str, Any] = field(default_factory=dict)
    # Several backends on one volume agent, as Cinder's ``enabled_backends``: each a mapping
    # with its ``name`` (the agent serves it as ``<host>@<name>``, and reports it as its
    # ``volume_backend_name``), its ``driver``, optionally its ``availability_zone``, and the
    # driver's own options. Empty: one backend, ``driver`` with the options of ``backend``.
    backends: list[dict[str, Any]] = field(default_factory=list)
    # The zone of a backend that names none (Cinder's ``storage_availability_zone``).
    availability_zone: str = "nova"
    # Backups: the object-store container used when a request names none (Cinder's
    # ``backup_swift_container``), and the bytes of volume data each object holds; an
    # incremental backup stores again only the chunks whose hash changed.
    backup_container: str = "volumebackups"
    backup_chunk_size: int = 8 * 1024 * 1024
    # Cinder's ``default_group_type``: the group type ``/group_types/default`` shows (none
    # unless named).
    default_group_type: str = ""
