#!/usr/bin/env python3
"""bench/startup: seconds from process start to /health 200, and the memory a cloud keeps.

    .venv/bin/python bench/startup.py [--runs 3] [--settle 5] [--workers 1] [--json FILE]

Each run starts a cloud on a fresh state directory (the first start, which bootstraps), stops
it, starts it again on the same directory and port (the restart), walks the APIs once and lets
it settle. Reported, as the median over the runs beside each goal:

- first start and restart: seconds from the process's start to the first /health 200;
- idle RSS: the restarted cloud's resident memory (VmRSS) after the walk and the settle;
- peak RSS: the most it held at any moment of its life (VmHWM).

Goals: a restart healthy in under 1 s, and under 150 MB resident when idle, with one API process
(``--workers 1``, the default here; ``nimbus up`` itself starts one per core).
The figures are wall-clock ones on a shared machine: run it when nothing else is busy.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.cloud_process import CloudProcess  # noqa: E402

RESTART_GOAL_S = 1.0
IDLE_GOAL_MB = 150.0


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of ``pid``, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (the extra API workers), from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def walk(cloud: CloudProcess, work: Path) -> None:
    """A short tour of every service a user touches first."""
    os_ = cloud.openstack_json
    image = work / "img.raw"
    image.write_bytes(b"\0" * (1024 * 1024))
    img = os_("image", "create", "--disk-format", "raw", "--container-format", "bare",
              "--file", str(image), "bench-image")
    net = os_("network", "create", "bench-net")
    os_("subnet", "create", "--network", net["id"], "--subnet-range", "10.9.0.0/24", "bench-sub")
    os_("keypair", "create", "--private-key", str(work / "bench-key.pem"), "bench-key")
    server = os_("server", "create", "--image", img["id"], "--flavor", "m1.tiny", "--network",
                 net["id"], "--key-name", "bench-key", "--wait", "bench-vm")
    vol = os_("volume", "create", "--size", "1", "bench-vol")
    cloud.openstack("server", "add", "volume", server["id"], vol["id"])
    os_("container", "create", "bench-c")
    os_("object", "create", "bench-c", str(image))
    cloud.openstack("server", "delete", "--wait", server["id"])


def _line(label: str, values: list[float], unit: str, goal: float | None = None) -> str:
    fmt = "{:.2f}" if unit == "s" else "{:.0f}"
    median = statistics.median(values)
    runs = ", ".join(fmt.format(v) for v in values)
    said = f"{label:34} median {fmt.format(median)} {unit} (runs: {runs})"
    if goal is not None:
        verdict = "met" if median < goal else "NOT met"
        said += f"  goal < {fmt.format(goal)} {unit}: {verdict}"
    return said


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds the cloud idles after the walk before its RSS is read")
    parser.add_argument("--workers", type=int, default=1,
                        help="API processes (the goal is for one); with more, the idle RSS is "
                             "also given summed over them all")
    parser.add_argument("--json", type=Path, help="also write the medians to this file")
    args = parser.parse_args()
    extra = ["--workers", str(args.workers)]
    first, restart, idle, peak, total = [], [], [], [], []
    for _ in range(args.runs):
        work = Path(tempfile.mkdtemp(prefix="nimbus-bench-"))
        cloud = CloudProcess(work / "state", extra=extra).start()
        first.append(cloud.ready_after)
        port = cloud.port
        cloud.stop()
        # Restarted as an operator restarts it: the same state dir on the same port.
        cloud = CloudProcess(work / "state", extra=extra)
        cloud.port = port
        cloud.start()
        restart.append(cloud.ready_after)
        walk(cloud, work)
        time.sleep(args.settle)
        assert cloud.proc is not None
        memory = memory_mb(cloud.proc.pid)
        idle.append(memory["VmRSS"])
        peak.append(memory["VmHWM"])
        total.append(memory["VmRSS"] + sum(memory_mb(c)["VmRSS"]
                                           for c in children(cloud.proc.pid)))
        cloud.stop()
    print(_line("startup, first start (bootstrap):", first, "s"))
    print(_line("startup, restart:", restart, "s", RESTART_GOAL_S))
    print(_line("idle RSS after the walk:", idle, "MB", IDLE_GOAL_MB))
    print(_line("peak RSS (VmHWM):", peak, "MB", IDLE_GOAL_MB))
    if args.workers != 1:
        print(_line(f"idle RSS of all {args.workers} processes:", total, "MB"))
    if args.json:
        args.json.write_text(json.dumps({
            "first_start_s": statistics.median(first), "restart_s": statistics.median(restart),
            "idle_rss_mb": statistics.median(idle), "peak_rss_mb": statistics.median(peak),
            "all_processes_rss_mb": statistics.median(total), "workers": args.workers,
            "runs": {"first_start_s": first, "restart_s": restart, "idle_rss_mb": idle,
                     "peak_rss_mb": peak},
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
