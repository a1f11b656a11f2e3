#!/usr/bin/env python3
"""bench/compute: create -> ACTIVE through openstacksdk, as a CI job sees it, with the fake driver.

    .venv/bin/python bench/compute.py [--servers 40] [--concurrency 1,8] [--hosts 1]

Starts `nimbus up` in a scratch state directory (fake compute driver, ``--hosts`` simulated
hosts), then for each concurrency creates ``--servers`` servers from that many threads, each
with its own openstacksdk connection as the demo user, and times each from the call to ACTIVE
in three ways:

- ``watch`` (the goal's figure: p50 under 100 ms at concurrency 8): each thread POSTs its
  server, and one watcher thread lists the project's ACTIVE servers every 10 ms and notes when
  each first shows; the time from the POST to that sighting, exact to the watcher's period,
  for one list request every 10 ms in all;
- ``proxy``: ``conn.compute.create_server`` then ``conn.compute.wait_for_server`` looking every
  ``--interval`` times the concurrency seconds (so that the looks, about 50 a second in all,
  do not themselves take the CPU the builds need): how long the cloud takes to build;
- ``cloud``: the cloud layer's ``create_server(..., wait=True, auto_ip=False)``, as a CI job
  calls it. That layer looks once right after the POST and then sleeps 5 s between looks, so
  its figure is the POST plus one look when the build beat that look, and about 5 s more when
  it did not (against Nova too).

It prints p50, p90 and servers per second for each, then deletes what it made. Scheduling
throughput on its own (1,000 fake hosts) is ``bench/compute_scheduler.py``. No assertion: the
figures are for reading.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openstack.connection  # noqa: E402
from openstack.config.loader import OpenStackConfig  # noqa: E402

from tests.support.cloud_process import CloudProcess  # noqa: E402


def connect(state: Path) -> openstack.connection.Connection:
    config = OpenStackConfig(config_files=[str(state / "clouds.yaml")])
    return openstack.connection.Connection(config=config.get_one("nimbus-demo"))


def create_proxy(conn: openstack.connection.Connection, name: str, image: str, flavor: str,
                 network: str, interval: float) -> str:
    server = conn.compute.create_server(name=name, image_id=image, flavor_id=flavor,
                                        networks=[{"uuid": network}])
    server = conn.compute.wait_for_server(server, interval=interval, wait=120)
    return str(server.id)


def create_cloud(conn: openstack.connection.Connection, name: str, image: str, flavor: str,
                 network: str, interval: float) -> str:
    server = conn.create_server(name, image=image, flavor=flavor, network=network, wait=True,
                                auto_ip=False, timeout=120)
    return str(server.id)


class Watcher:
    """One thread that lists the project's servers every ``interval`` seconds and notes when
    each is first seen ACTIVE: a build's end seen within ``interval`` whatever the concurrency,
    for one request per look in all."""

    def __init__(self, state: Path, interval: float = 0.01) -> None:
        self.conn = connect(state)
        self.interval = interval
        self.active: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            now = time.perf_counter()
            for server in self.conn.compute.servers(details=False, status="ACTIVE"):
                self.active.setdefault(str(server.id), now)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.conn.close()

    def wait(self, server_id: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while server_id not in self.active:
            if time.monotonic() > deadline:
                raise TimeoutError(server_id)
            time.sleep(self.interval / 2)


def run(state: Path, image: str, flavor: str, network: str, servers: int,
        concurrency: int, mode: str, interval: float) -> tuple[list[float], float, list[str]]:
    """Create ``servers`` servers from ``concurrency`` threads; per-server seconds, wall time."""
    if mode == "watch":
        with Watcher(state) as watcher:
            return _run(state, image, flavor, network, servers, concurrency, mode, interval,
                        watcher)
    return _run(state, image, flavor, network, servers, concurrency, mode, interval, None)


def _run(state: Path, image: str, flavor: str, network: str, servers: int, concurrency: int,
         mode: str, interval: float, watcher: Watcher | None
         ) -> tuple[list[float], float, list[str]]:
    times: list[float] = []
    made: list[str] = []
    lock = threading.Lock()
    left = list(range(servers))

    def worker() -> None:
        conn = connect(state)
        try:
            while True:
                with lock:
                    if not left:
                        return
                    n = left.pop()
                started = time.perf_counter()
                name = f"bench-{mode}-{concurrency}-{n}"
                if watcher is not None:
                    sid = str(conn.compute.create_server(
                        name=name, image_id=image, flavor_id=flavor,
                        networks=[{"uuid": network}]).id)
                    watcher.wait(sid)
                    took = watcher.active[sid] - started
                else:
                    create = create_proxy if mode == "proxy" else create_cloud
                    sid = create(conn, name, image, flavor, network, interval)
                    took = time.perf_counter() - started
                with lock:
                    times.append(took)
                    made.append(sid)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, time.perf_counter() - began, made


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=40)
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--hosts", type=int, default=1)
    parser.add_argument("--modes", default="watch,proxy,cloud")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--interval", type=float, default=0.02,
                        help="seconds between looks in the proxy mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nimbus-bench-compute-") as tmp:
        state = Path(tmp) / "state"
        state.mkdir()
        cloud = CloudProcess(state, extra=["--compute-hosts", str(args.hosts)]).start()
        try:
            conn = connect(state)
            image = conn.create_image("bench-image", data=b"\0" * 65536, disk_format="raw",
                                      container_format="bare", wait=True)
            flavor = conn.compute.find_flavor("m1.nano")
            assert flavor is not None
            # Room for every server of a row: this measures building, not the quota.
            config = OpenStackConfig(config_files=[str(state / "clouds.yaml")])
            admin = openstack.connection.Connection(config=config.get_one("nimbus"))
            admin.set_compute_quotas(conn.current_project_id, instances=-1, cores=-1, ram=-1)
            admin.close()
            network = conn.network.find_network("private")
            assert network is not None
            print(f"create -> ACTIVE through openstacksdk, fake driver, {args.hosts} host(s), "
                  f"{args.servers} servers per row")
            print(f"{'mode':>6} {'concurrency':>11} {'p50 ms':>8} {'p90 ms':>8} "
                  f"{'servers/s':>10}")
            rows = []
            for mode in args.modes.split(","):
                for level in (int(c) for c in args.concurrency.split(",")):
                    times, wall, made = run(state, image.id, flavor.id, network.id,
                                            args.servers, level, mode, args.interval * level)
                    print(f"{mode:>6} {level:>11} {statistics.median(times) * 1000:>8.0f} "
                          f"{pct(times, 0.9) * 1000:>8.0f} {len(times) / wall:>10.1f}",
                          flush=True)
                    rows.append({"mode": mode, "concurrency": level,
                                 "p50_ms": statistics.median(times) * 1000,
                                 "p90_ms": pct(times, 0.9) * 1000,
                                 "servers_per_s": len(times) / wall})
                    for sid in made:
                        conn.delete_server(sid, wait=True, timeout=120)
            conn.close()
            if args.json:
                args.json.write_text(json.dumps({"rows": rows}, indent=1))
        finally:
            cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
