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
    # Scheduler requests taken from the bus at once, each by a thread of its own that waits
    # while its server is placed: what waits together is placed together (one Placement
    # claim, one transaction), so more of them is more throughput (bench/compute_scheduler:
    # 8 give ~180 servers/s, 16 ~250 over 1,000 hosts); each costs ~0.5 % of a core idle.
    scheduler_workers: int = 16
    # This host's name in the service registry (default: the machine's node name).
    host: str = ""
    max_microversion: str = "2.96"
    # Whether a resize may stay on the server's own host (Nova's allow_resize_to_same_host;
    # on here, as a one-host cloud could resize nothing otherwise).
    allow_resize_to_same_host: bool = True
    # Seconds a shelved server keeps its host before it is offloaded (0: at once, -1: never).
    shelved_offload_time: int = 0
    # The most items one page of a list holds, asked for or not (Nova's [api] max_limit).
    max_limit: int = 1000
