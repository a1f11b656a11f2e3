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
