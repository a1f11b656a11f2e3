"""Block storage settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class VolumeSettings:
    driver: str = "fake"
    # Options handed to the driver as they are (``backend_name``, sizes...).
    backend: dict[str, Any] = field(default_factory=dict)
