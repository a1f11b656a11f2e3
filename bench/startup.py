#!/usr/bin/env python3
"""bench/startup: seconds from process start to /health 200, and peak RSS after the walk.

    .venv/bin/python bench/startup.py [--runs 3]

Goals: < 2 s to healthy and < 250 MB peak RSS. Each run uses a fresh state directory (first
start, with bootstrap) and then a restart of the same one (warm start).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.cloud_process import CloudProcess  # noqa: E402


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def walk(cloud: CloudProcess, work: Path) -> None:
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    first, warm, rss = [], [], []
    for _ in range(args.runs):
        work = Path(tempfile.mkdtemp(prefix="nimbus-bench-"))
        cloud = CloudProcess(work / "state").start()
        first.append(cloud.ready_after)
        cloud.stop()
        cloud = CloudProcess(work / "state").start()
        warm.append(cloud.ready_after)
        walk(cloud, work)
        assert cloud.proc is not None
        rss.append(peak_rss_mb(cloud.proc.pid))
        cloud.stop()
    print(f"startup, first start (bootstrap): median {statistics.median(first):.2f} s "
          f"(runs: {', '.join(f'{x:.2f}' for x in first)})")
    print(f"startup, restart:                 median {statistics.median(warm):.2f} s "
          f"(runs: {', '.join(f'{x:.2f}' for x in warm)})  goal < 2 s")
    print(f"peak RSS after the walk:          median {statistics.median(rss):.0f} MB "
          f"(runs: {', '.join(f'{x:.0f}' for x in rss)})  goal < 250 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
