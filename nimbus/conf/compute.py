"""Compute settings: the hypervisor driver and the hosts this process runs agents for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ComputeSettings:
    driver: str = "fake"
    # Simulated hypervisor hosts served by this process (the fake driver only).
    fake_hosts: int = 1
    # Seconds the fake driver takes to spawn a guest (0: at once), so that a test can stop
    # the cloud while builds are in flight.
    fake_spawn_seconds: float = 0.0
    # Builds and actions an agent runs at once (Nova's max_concurrent_builds), in normal work
    # and when it takes up what a crash interrupted.
    agent_workers: int = 8
    # This host's name in the service registry (default: the machine's node name).
    host: str = ""
    max_microversion: str = "2.96"
    # The most items one page of a list holds, asked for or not (Nova's [api] max_limit).
    max_limit: int = 1000
