"""Object storage settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ObjectSettings:
    driver: str = "file"
