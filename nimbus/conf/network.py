"""Network settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class NetworkSettings:
    driver: str = "fake"
    # Seconds the fake driver takes to wire a bound port on its host (0: at once, as the port
    # is bound). Meanwhile the port is DOWN, and compute waits for its network-vif-plugged
    # event, as it waits for a real agent's.
    fake_wiring_delay: float = 0.0
