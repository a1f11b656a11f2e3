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
    # The linux driver's agent converges on the model after every change and also every this
    # many seconds (a lost message costs one interval).
    resync_interval: float = 10.0
    # What a stopping network agent does with the namespaces it made: "clean" removes them,
    # "keep" leaves them for the guests that still run; "auto" cleans when the whole cloud
    # stops (nimbus up) and keeps when one agent does.
    on_stop: str = "auto"
