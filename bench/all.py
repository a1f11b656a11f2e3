#!/usr/bin/env python3
"""bench/all: every performance figure of the cloud, measured in one run, in one table.

    .venv/bin/python bench/all.py [--peer-dir DIR] [--quick]

Runs, one after the other on this machine (never side by side, so that they do not share the
CPU): ``identity.py`` (token validate and issue, beside Keystone when ``--peer-dir`` or
``NIMBUS_BENCH_KEYSTONE_DIR`` names its peer scripts; set ``KEYSTONE_CACHE=memory`` for its
cache), ``compute.py`` (create -> ACTIVE with the fake driver at concurrency 8),
``compute_scheduler.py`` (servers scheduled per second across 1,000 fake hosts), ``lists.py``
(first pages and filtered lists with 10,000 servers, 1,000 networks and 5,000 ports, 10,000
volumes and 100,000 objects) and ``startup.py`` (restart to /health and idle RSS). Each writes
its figures as JSON; this prints them beside their goals. ``--quick`` shortens every run (for
trying the bench itself; the figures are then rougher). No figure is asserted: they are read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def run(script: str, args: list[str], out: Path) -> dict[str, Any] | None:
    """Run one bench with ``--json out``; its own report goes to stderr as it runs."""
    cmd = [sys.executable, str(HERE / script), *args, "--json", str(out)]
    print(f"== {' '.join([script, *args])}", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, stdout=sys.stderr, check=False)
    if done.returncode != 0 or not out.exists():
        print(f"{script} failed ({done.returncode})", file=sys.stderr)
        return None
    return dict(json.loads(out.read_text()))


Row = tuple[str, str, str, str, str]


def identity_rows(data: dict[str, Any] | None) -> list[Row]:
    if data is None:
        return [("token validate / issue", "failed", "-", "-", "-")]
    rows: list[Row] = []
    for cell in data["cells"]:
        test, conc, ratio = cell["test"], cell["concurrency"], cell["ratio"]
        goal = ">= 10x Keystone" if test == "validate" else (
            ">= 2x Keystone" if "kdf" in test and "pays" not in test else "-")
        need = 10 if test == "validate" else 2
        met = "-" if ratio is None or goal == "-" else (
            f"{'yes' if ratio >= need else 'NO'} ({ratio:.1f}x)")
        peer = f"{cell['peer_rps']:.1f} req/s" if cell["peer_rps"] else "-"
        rows.append((f"token {test}, c={conc}", f"{cell['rps']:.1f} req/s "
                     f"(p50 {cell['p50_ms']:.1f} ms)", peer, goal, met))
    return rows


def compute_rows(data: dict[str, Any] | None, sched: dict[str, Any] | None) -> list[Row]:
    rows: list[Row] = []
    for row in (data or {}).get("rows", []):
        if row["mode"] != "watch":
            continue
        goal = "p50 < 100 ms" if row["concurrency"] == 8 else "-"
        met = "-" if goal == "-" else ("yes" if row["p50_ms"] < 100 else "NO")
        rows.append((f"create -> ACTIVE (fake), c={row['concurrency']}",
                     f"p50 {row['p50_ms']:.0f} ms, p90 {row['p90_ms']:.0f} ms, "
                     f"{row['servers_per_s']:.1f} servers/s", "-", goal, met))
    if data is None:
        rows.append(("create -> ACTIVE (fake)", "failed", "-", "p50 < 100 ms", "-"))
    if sched is not None:
        rate = sched["servers_per_s"]
        rows.append((f"scheduled across {sched['hosts']} fake hosts",
                     f"{rate:.0f} servers/s", "-", ">= 200 servers/s",
                     "yes" if rate >= 200 else "NO"))
    else:
        rows.append(("scheduled across 1000 fake hosts", "failed", "-", ">= 200 servers/s", "-"))
    return rows


def list_rows(data: dict[str, Any] | None) -> list[Row]:
    if data is None:
        return [("lists at scale", "failed", "-", "p95 < 100 ms", "-")]
    rows: list[Row] = []
    for row in data["rows"]:
        p95 = row["p95_ms"]
        rows.append((f"list: {row['page']}", f"p50 {row['p50_ms']:.1f} ms, p95 {p95:.1f} ms "
                     f"({row['rows']} rows)", "-", "p95 < 100 ms", "yes" if p95 < 100 else "NO"))
    return rows


def startup_rows(data: dict[str, Any] | None) -> list[Row]:
    if data is None:
        return [("restart / idle RSS", "failed", "-", "-", "-")]
    restart, rss = data["restart_s"], data["idle_rss_mb"]
    return [("restart to /health 200", f"{restart:.2f} s", "-", "< 1 s",
             "yes" if restart < 1 else "NO"),
            ("idle RSS, one API process", f"{rss:.0f} MB", "-", "< 150 MB",
             "yes" if rss < 150 else "NO")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer-dir", default=os.environ.get("NIMBUS_BENCH_KEYSTONE_DIR"),
                        help="the Keystone peer's scripts (see identity.py)")
    parser.add_argument("--quick", action="store_true", help="shorter runs, rougher figures")
    args = parser.parse_args()
    quick = args.quick
    with tempfile.TemporaryDirectory(prefix="nimbus-bench-all-") as tmp:
        out = Path(tmp)
        ident_args = ["--duration", "3" if quick else "10"]
        if args.peer_dir:
            ident_args += ["--peer-dir", args.peer_dir]
        identity = run("identity.py", ident_args, out / "identity.json")
        compute = run("compute.py", ["--modes", "watch", "--concurrency", "1,8", "--servers",
                                     "24" if quick else "80"], out / "compute.json")
        sched = run("compute_scheduler.py", ["--hosts", "1000", "--servers",
                                             "300" if quick else "1000"], out / "sched.json")
        lists = run("lists.py", ["--scale", "0.1"] if quick else [], out / "lists.json")
        startup = run("startup.py", ["--runs", "1" if quick else "3"], out / "startup.json")
    rows = (identity_rows(identity) + compute_rows(compute, sched) + list_rows(lists)
            + startup_rows(startup))
    print()
    print("| figure | Nimbus | peer | goal | met |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
