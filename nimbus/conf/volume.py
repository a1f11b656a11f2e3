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
    # Backups: the object-store container used when a request names none (Cinder's
    # ``backup_swift_container``), and the bytes of volume data each object holds; an
    # incremental backup stores again only the chunks whose hash changed.
    backup_container: str = "volumebackups"
    backup_chunk_size: int = 8 * 1024 * 1024
    # Cinder's ``default_group_type``: the group type ``/group_types/default`` shows (none
    # unless named).
    default_group_type: str = ""
