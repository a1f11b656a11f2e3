"""Compute settings: the hypervisor driver and the hosts this process runs agents for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ComputeSettings:
    driver: str = "fake"
    # Simulated hypervisor hosts served by this process (the fake driver only).
    fake_hosts: int = 1
    # This host's name in the service registry (default: the machine's node name).
    host: str = ""
    max_microversion: str = "2.96"
    # The most items one page of a list holds, asked for or not (Nova's [api] max_limit).
    max_limit: int = 1000
