#!/usr/bin/env python3
"""bench/compute_scheduler: servers scheduled per second across 1,000 fake compute hosts.

    .venv/bin/python bench/compute_scheduler.py [--hosts 1000] [--servers 1000] [--workers 16]
                                                 [--runs 1] [--group anti-affinity]

One process runs what ``nimbus up`` runs for this: the identity, placement and compute APIs
(served by uvicorn on a free port, so that the scheduler's Placement calls go over HTTP with
its own token, as they do in a real cloud) and the scheduler with ``--workers`` threads. The
hosts are registered directly: a resource provider with inventories in Placement and a
heartbeating ``nova-compute`` record each, with no agent behind them (the build casts the
scheduler sends go to host queues nobody reads).

Each run records ``--servers`` servers waiting for a host (as the API does, with their create
action) and then casts one ``schedule_and_build`` for each, the way the API casts them; the
clock runs from the first cast until every server has its host and its claim. It prints the
servers scheduled per second (goal: >= 200), the spread over the hosts, and checks that every
claim is in Placement. ``--group`` puts every server of a run in a group of that policy
(anti-affinity needs at least as many hosts as servers).
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from nimbus.compute.constants import AGENT_BINARY  # noqa: E402
from nimbus.compute.db import actions, server_groups  # noqa: E402
from nimbus.compute.db.models import Instance  # noqa: E402
from nimbus.compute.manager.flavors import snapshot  # noqa: E402
from nimbus.compute.states import PowerState, TaskState, VmState  # noqa: E402
from nimbus.conf.settings import load  # noqa: E402
from nimbus.core.api.app import build_app  # noqa: E402
from nimbus.core.cloud import Cloud  # noqa: E402
from nimbus.core.db.base import new_id  # noqa: E402

PROJECT, USER = "bench-project", "bench-user"
INVENTORY = {"VCPU": {"total": 64, "allocation_ratio": 16.0},
             "MEMORY_MB": {"total": 262144}, "DISK_GB": {"total": 10000}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_cloud(work: Path, workers: int) -> tuple[Cloud, Any]:
    """Identity, placement and compute in this process, answering on a free port."""
    import uvicorn

    port = free_port()
    settings = load({"state_dir": str(work / "state"), "port": port, "log_level": "WARNING",
                     "admin_password": "bench-admin-password",
                     "compute": {"scheduler_workers": workers}})
    settings.state_dir.mkdir(parents=True)
    cloud = Cloud(settings, services=["identity", "placement", "compute"])
    cloud.migrate()
    cloud.start()
    cloud.bootstrap()
    server = uvicorn.Server(uvicorn.Config(build_app(cloud), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off",
                                           access_log=False))
    threading.Thread(target=server.run, name="bench-api", daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return cloud, server


def register_hosts(cloud: Cloud, count: int) -> list[str]:
    """A provider with inventories and a compute service record for each host."""
    placement = cloud.runtimes["compute"].state.clients.placement
    names = [f"bench-host-{i:04d}" for i in range(count)]

    def one(name: str) -> None:
        rp = placement.create_provider(name)
        placement.set_inventories(rp["uuid"], rp["generation"], INVENTORY)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, names))
    heartbeat(cloud, names)
    return names


def heartbeat(cloud: Cloud, names: list[str]) -> None:
    """What each host's agent would report (a host is up for a minute after it reports)."""
    for name in names:
        cloud.registry.report(AGENT_BINARY, name, "compute")


def record_servers(cloud: Cloud, count: int, group: str | None) -> list[tuple[str, dict[str, Any]]]:
    """Servers waiting for a host, as the API records them, with their request spec."""
    state = cloud.runtimes["compute"].state
    flavor = snapshot(state.flavors.get("42"))
    group_row = None
    if group:
        group_row = server_groups.create_group(state.db, {
            "name": "bench", "policy": group, "rules": {}, "project_id": PROJECT,
            "user_id": USER})
    made = []
    for i in range(count):
        uuid = new_id()
        spec = {"flavor": flavor, "image": None, "project_id": PROJECT, "user_id": USER,
                "force_host": None, "group": group_row.uuid if group_row else None}
        with state.db.writer() as s:
            s.add(Instance(uuid=uuid, name=f"bench-{i}", project_id=PROJECT, user_id=USER,
                           flavor_id="42", flavor=flavor, vm_state=VmState.BUILDING,
                           task_state=TaskState.SCHEDULING, power_state=PowerState.NOSTATE,
                           request_spec=spec))
        if group_row is not None:
            server_groups.add_member(state.db, group_row.id, uuid)
        actions.record_action(state.db, {"request_id": f"req-{uuid}", "user_id": USER,
                                         "project_id": PROJECT}, uuid, "create")
        made.append((uuid, spec))
    return made


def one_run(cloud: Cloud, hosts: list[str], count: int, group: str | None) -> dict[str, Any]:
    state = cloud.runtimes["compute"].state
    heartbeat(cloud, hosts)
    servers = record_servers(cloud, count, group)
    uuids = [u for u, _ in servers]
    started = time.monotonic()
    for uuid, spec in servers:
        state.scheduler_rpc.schedule_and_build({"request_id": f"req-{uuid}"}, uuid, spec)
    placed: dict[str, str] = {}
    failed = 0
    deadline = started + max(120.0, count / 10)
    while time.monotonic() < deadline and len(placed) < len(uuids):
        time.sleep(0.1)
        # Three columns of the servers still waiting: the bench must not take the time it
        # measures.
        pending = [u for u in uuids if u not in placed]
        with state.db.reader() as s:
            rows = s.execute(select(Instance.uuid, Instance.host, Instance.vm_state)
                             .where(Instance.uuid.in_(pending))).all()
        for uuid, host, vm_state in rows:
            if host:
                placed[uuid] = host
            elif vm_state == VmState.ERROR:
                placed[uuid] = ""
                failed += 1
    elapsed = time.monotonic() - started
    placement = state.clients.placement
    missing = sum(1 for u, host in placed.items() if host and placement.consumer_generation(u)
                  is None)
    spread = Counter(h for h in placed.values() if h)
    return {"seconds": elapsed, "rate": len(placed) / elapsed if elapsed else 0.0,
            "placed": len(placed) - failed, "failed": failed, "missing_claims": missing,
            "hosts_used": len(spread), "most_on_one": max(spread.values(), default=0)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--group", choices=["affinity", "anti-affinity", "soft-affinity",
                                            "soft-anti-affinity"])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="nimbus-bench-scheduler-"))
    cloud, server = start_cloud(work, args.workers)
    try:
        began = time.monotonic()
        hosts = register_hosts(cloud, args.hosts)
        print(f"{args.hosts} hosts registered in {time.monotonic() - began:.1f} s")
        cloud.start_workers({"scheduler"})
        rates = []
        for run in range(args.runs):
            result = one_run(cloud, hosts, args.servers, args.group)
            rates.append(result["rate"])
            print(f"run {run + 1}: {result['placed']} servers scheduled, {result['failed']} "
                  f"failed, in {result['seconds']:.2f} s = {result['rate']:.0f} servers/s; "
                  f"{result['hosts_used']} hosts used, at most {result['most_on_one']} on "
                  f"one; claims missing in Placement: {result['missing_claims']}")
        print(f"scheduling throughput ({args.workers} workers, {args.hosts} hosts): median "
              f"{statistics.median(rates):.0f} servers/s  goal >= 200")
        if args.json:
            args.json.write_text(json.dumps({"hosts": args.hosts, "servers": args.servers,
                                             "servers_per_s": statistics.median(rates)}))
    finally:
        server.should_exit = True
        cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
