"""Object storage settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ObjectSettings:
    driver: str = "file"
    # Seconds between two passes of the expirer (objects past X-Delete-At leave the store).
    expirer_interval: float = 60.0
    # Objects one expirer pass removes at most.
    expirer_batch: int = 1000
    # Seconds between two sweeps for what unfinished writes left behind (the first at start).
    audit_interval: float = 3600.0
