"""Network settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class NetworkSettings:
    driver: str = "fake"
