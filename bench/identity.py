#!/usr/bin/env python3
"""bench/identity: token issue and validate, Nimbus next to the real Keystone.

    .venv/bin/python bench/identity.py [--peer-dir DIR] [--duration 10] [--concurrency 1,8]

Cells: ``issue`` (POST /v3/auth/tokens, password, project-scoped) and ``validate``
(GET /v3/auth/tokens, X-Auth-Token = X-Subject-Token, catalog included), each at every
concurrency, 10 s after an unrecorded warm-up, driven by ``wrk`` with ``bench/identity.lua`` on
both sides. Goals: validate >= 10x Keystone's throughput, issue >= 2x at the same KDF cost.
Nimbus runs with its default API processes (one per core), Keystone as its peer scripts run it;
give the peer's ``KEYSTONE_CACHE=memory`` in the environment for its strongest setting.

Issue is bounded by the password KDF. Nimbus hashes with scrypt (cost = log2 N, ``kdf_cost``),
Keystone with bcrypt cost 12; the bench times one bcrypt-12 hash and scrypt at several costs on
this machine, prints them, and also measures Nimbus issue at the scrypt cost closest in time:
once as configured by default (a password proven right is recognised again without the KDF for
``identity.password_cache_seconds``) and once with that memory off, where every sign-in pays the
KDF as every Keystone sign-in does.

The Keystone side runs only when a peer directory is given (``--peer-dir`` or the
``NIMBUS_BENCH_KEYSTONE_DIR`` environment variable): a directory with ``setup.sh`` (installs and
bootstraps Keystone from PyPI, idempotent), ``serve.sh`` (starts it, printing
``http://127.0.0.1:PORT/v3 pid=PID``) and ``stop.sh``. Its admin password comes from
``--peer-password`` (default: ``KEYSTONE_PEER_PASSWORD`` or ``admin-peer-pass``). Without one,
Nimbus runs alone. Nimbus runs as ``nimbus up`` on a scratch state directory.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nimbus.conf.settings import Settings  # noqa: E402
from nimbus.identity.manager.passwords import hash_password  # noqa: E402
from tests.support.cloud_process import CloudProcess  # noqa: E402

LUA = Path(__file__).resolve().with_name("identity.lua")
BCRYPT_SNIPPET = (
    "import bcrypt, statistics, time\n"
    "def one():\n"
    "    t = time.perf_counter(); bcrypt.hashpw(b'bench-password', bcrypt.gensalt(12))\n"
    "    return time.perf_counter() - t\n"
    "print(statistics.median(one() for _ in range(5)) * 1000)\n"
)


@dataclass
class Cell:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    loop_probe_ms: tuple[float, float] | None = None  # /health p50 and max during the cell
    load: float = 0.0  # the machine's 1-minute load average when the cell ended


@dataclass
class Side:
    name: str
    cells: dict[tuple[str, int], Cell] = field(default_factory=dict)


# -- the KDF ----------------------------------------------------------------------------------
def bcrypt12_ms(python: str | None) -> float | None:
    """Median time of one bcrypt cost-12 hash, here or with ``python`` (one that has bcrypt)."""
    try:
        import bcrypt  # type: ignore[import-not-found]  # noqa: F401
        python = sys.executable
    except ImportError:
        if python is None:
            return None
    out = subprocess.run([python, "-c", BCRYPT_SNIPPET], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        print(f"bcrypt timing failed with {python}: {out.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    return float(out.stdout.strip())


def scrypt_ms(costs: range, repeats: int = 3) -> dict[int, float]:
    """Median time of one ``hash_password`` (what issue verifies against) at each cost."""
    result = {}
    for cost in costs:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            hash_password("bench-password", cost)
            times.append(time.perf_counter() - started)
        result[cost] = statistics.median(times) * 1000
    return result


def matching_cost(target_ms: float, timings: dict[int, float]) -> int:
    return min(timings, key=lambda c: abs(math.log(timings[c] / target_ms)))


# -- load -------------------------------------------------------------------------------------
def http(method: str, url: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def auth_body(password: str) -> bytes:
    return json.dumps({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
    }}).encode()


def get_token(identity: str, body: bytes) -> str:
    status, headers, raw = http("POST", f"{identity}/v3/auth/tokens", body,
                                {"Content-Type": "application/json"})
    if status != 201:
        raise SystemExit(f"issue at {identity} answered {status}: {raw[:300]!r}")
    token = {k.lower(): v for k, v in headers.items()}["x-subject-token"]
    status, _, raw = http("GET", f"{identity}/v3/auth/tokens",
                          headers={"X-Auth-Token": token, "X-Subject-Token": token})
    if status != 200 or not json.loads(raw)["token"].get("catalog"):
        raise SystemExit(f"validate at {identity} answered {status} (or without a catalog)")
    return token


class LoopProbe:
    """GETs a cheap URL every 50 ms while a cell runs: if handlers blocked the event loop, this
    is where it would show (its latency would climb to the handlers' service time)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            started = time.perf_counter()
            http("GET", self.url)
            self.samples.append((time.perf_counter() - started) * 1000)

    def __enter__(self) -> LoopProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def wrk(url: str, conc: int, seconds: int, env: dict[str, str]) -> dict[str, Any]:
    cmd = ["wrk", "-t1", f"-c{conc}", f"-d{seconds}s", "--timeout", "30s", "-s", str(LUA), url]
    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **env),
                         check=False)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH "):
            return dict(json.loads(line[len("BENCH "):]))
    raise SystemExit(f"wrk failed ({out.returncode}): {out.stdout}\n{out.stderr}")


def run_cells(side: Side, identity: str, password: str, tests: list[str], concs: list[int],
              args: argparse.Namespace, probe_url: str | None, label: str = "") -> None:
    work = Path(tempfile.mkdtemp(prefix="identity-bench-"))
    try:
        body_file = work / "auth.json"
        body_file.write_bytes(auth_body(password))
        body_file.chmod(0o600)
        token = get_token(identity, body_file.read_bytes())
        url = f"{identity}/v3/auth/tokens"
        for test in tests:
            env = ({"IDENTITY_BENCH_BODY": str(body_file), "IDENTITY_BENCH_TOKEN": ""}
                   if test == "issue" else {"IDENTITY_BENCH_BODY": "", "IDENTITY_BENCH_TOKEN": token})
            if args.warmup > 0:
                wrk(url, max(concs), args.warmup, env)
                drain(identity)
            for conc in concs:
                print(f"  {side.name} {test}{label} c={conc} {args.duration}s", file=sys.stderr)
                if probe_url and conc == max(concs):
                    with LoopProbe(probe_url) as probe:
                        raw = wrk(url, conc, args.duration, env)
                    samples = probe.samples or [float("nan")]
                    loop = (statistics.median(samples), max(samples))
                else:
                    raw, loop = wrk(url, conc, args.duration, env), None
                side.cells[(test + label, conc)] = Cell(
                    raw["requests"] / raw["seconds"], raw["p50_ms"], raw["p99_ms"],
                    raw["requests"], raw["bad_status"] + raw["socket_errors"], loop,
                    os.getloadavg()[0])
                drain(identity)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def drain(identity: str) -> None:
    """Let the server finish what it accepted before the next cell starts."""
    http("GET", f"{identity}/v3")
    time.sleep(1)


# -- the two servers --------------------------------------------------------------------------
def keystone(peer: Path, args: argparse.Namespace, tests: list[str], concs: list[int]
             ) -> tuple[Side, float | None]:
    env = dict(os.environ, OS_PASSWORD=args.peer_password)
    if not args.peer_no_setup:
        subprocess.run([str(peer / "setup.sh")], env=env, check=True, stdout=sys.stderr)
    out = subprocess.run([str(peer / "serve.sh")], env=env, check=True, capture_output=True,
                         text=True).stdout
    found = re.search(r"http://127\.0\.0\.1:(\d+)/v3 pid=(\d+)", out)
    if not found:
        raise SystemExit(f"serve.sh did not say where Keystone listens: {out}")
    port, pid = found.groups()
    side = Side("keystone")
    try:
        # gunicorn runs from the peer's venv, whose Python has bcrypt: time bcrypt-12 there.
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        python = argv[0].decode() if argv and b"python" in argv[0] else None
        bcrypt = bcrypt12_ms(python)
        run_cells(side, f"http://127.0.0.1:{port}", args.peer_password, tests, concs, args, None)
    finally:
        subprocess.run([str(peer / "stop.sh")], env=env, check=False, capture_output=True)
    return side, bcrypt


def nimbus(args: argparse.Namespace, tests: list[str], concs: list[int], kdf_cost: int,
           label: str = "", password_memory: bool = True) -> Side:
    work = Path(tempfile.mkdtemp(prefix="identity-bench-nimbus-"))
    state = work / "state"
    state.mkdir()
    (state / "nimbus.yaml").write_text(
        f"kdf_cost: {kdf_cost}\nlog_level: WARNING\n"
        + ("" if password_memory else "identity:\n  password_cache_seconds: 0\n"))
    cloud = CloudProcess(state).start(timeout=120)
    side = Side("nimbus")
    try:
        clouds = (state / "clouds.yaml").read_text()
        password = re.search(r"password: (\S+)", clouds)
        assert password, "clouds.yaml without a password"
        run_cells(side, f"{cloud.url}/identity", password.group(1).strip("'\""), tests, concs,
                  args, f"{cloud.url}/health", label)
        errors = cloud.server_errors()
        if errors:
            print(f"nimbus answered {len(errors)} 5xx, e.g. {errors[0]}", file=sys.stderr)
    finally:
        cloud.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return side


# -- report -----------------------------------------------------------------------------------
def fmt(cell: Cell | None, what: str) -> str:
    if cell is None:
        return "-"
    return {"rps": f"{cell.rps:.1f}", "p50": f"{cell.p50_ms:.1f}", "p99": f"{cell.p99_ms:.1f}",
            "err": str(cell.errors)}[what]


def report(nb: Side, ks: Side | None, kdf_note: str) -> None:
    print()
    print(kdf_note)
    print()
    print("| test | conc | Nimbus req/s | p50 ms | p99 ms | err | Keystone req/s | p50 ms | p99 ms "
          "| err | ratio | load avg (N / K) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (test, conc), cell in nb.cells.items():
        peer = ks.cells.get((test.split(" ")[0], conc)) if ks else None
        ratio = f"{cell.rps / peer.rps:.1f}x" if peer and peer.rps else "-"
        print(f"| {test} | {conc} | {fmt(cell, 'rps')} | {fmt(cell, 'p50')} | {fmt(cell, 'p99')} "
              f"| {fmt(cell, 'err')} | {fmt(peer, 'rps')} | {fmt(peer, 'p50')} | {fmt(peer, 'p99')} "
              f"| {fmt(peer, 'err')} | {ratio} | {cell.load:.1f} / "
              f"{f'{peer.load:.1f}' if peer else '-'} |")
    print()
    for (test, conc), cell in nb.cells.items():
        if cell.loop_probe_ms:
            p50, worst = cell.loop_probe_ms
            print(f"event loop probe (GET /health every 50 ms) during Nimbus {test} c={conc}: "
                  f"p50 {p50:.1f} ms, max {worst:.1f} ms")
    validate = [(c, cell.rps / ks.cells[("validate", c)].rps) for (t, c), cell in nb.cells.items()
                if ks and t == "validate" and ("validate", c) in ks.cells]
    for conc, times in validate:
        print(f"validate c={conc}: {times:.1f}x Keystone (goal >= 10x): "
              f"{'met' if times >= 10 else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer-dir", type=Path, default=os.environ.get("NIMBUS_BENCH_KEYSTONE_DIR"),
                        help="Keystone peer scripts (setup.sh, serve.sh, stop.sh); none: Nimbus alone")
    parser.add_argument("--peer-password",
                        default=os.environ.get("KEYSTONE_PEER_PASSWORD", "admin-peer-pass"))
    parser.add_argument("--peer-no-setup", action="store_true", help="skip the peer's setup.sh")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--tests", default="issue,validate")
    parser.add_argument("--kdf-cost", default="auto",
                        help="scrypt cost for the extra issue run: auto (match bcrypt-12), N, or none")
    parser.add_argument("--bcrypt-python", help="a Python with bcrypt, for the timing")
    parser.add_argument("--bcrypt-ms", type=float, help="bcrypt-12 time, if measured elsewhere")
    parser.add_argument("--keep", action="store_true", help="keep Nimbus's scratch state dir")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
    concs = [int(c) for c in args.concurrency.split(",")]
    tests = [t for t in args.tests.split(",") if t]

    ks, bcrypt_ms = None, args.bcrypt_ms
    if args.peer_dir:
        print("== Keystone peer", file=sys.stderr)
        ks, measured = keystone(Path(args.peer_dir), args, tests, concs)
        bcrypt_ms = bcrypt_ms or measured
    if bcrypt_ms is None:
        bcrypt_ms = bcrypt12_ms(args.bcrypt_python)

    default_cost = Settings().identity.kdf_cost
    timings = scrypt_ms(range(10, 18))
    lines = ["KDF, one hash on this machine: " + ", ".join(
        f"scrypt cost {c} {ms:.0f} ms" for c, ms in timings.items())]
    extra_cost: int | None = None
    if args.kdf_cost not in ("auto", "none"):
        extra_cost = int(args.kdf_cost)
    if bcrypt_ms is not None:
        match = matching_cost(bcrypt_ms, timings)
        lines.append(f"bcrypt cost 12 (Keystone's default): {bcrypt_ms:.0f} ms -> equivalent "
                     f"scrypt cost {match} ({timings[match]:.0f} ms)")
        if args.kdf_cost == "auto":
            extra_cost = match
    elif args.kdf_cost == "auto":
        lines.append("bcrypt not available (give --bcrypt-python or --bcrypt-ms): no "
                     "KDF-equivalent issue run")
    lines.append(f"Nimbus default kdf_cost: {default_cost}")

    print(f"== Nimbus (kdf_cost {default_cost})", file=sys.stderr)
    nb = nimbus(args, tests, concs, default_cost, "")
    if "issue" in tests and extra_cost is not None and extra_cost != default_cost:
        print(f"== Nimbus (kdf_cost {extra_cost})", file=sys.stderr)
        extra = nimbus(args, ["issue"], concs, extra_cost, f" (kdf {extra_cost})")
        nb.cells.update(extra.cells)
        # The same without the memory of proven passwords: every issue pays the KDF.
        print(f"== Nimbus (kdf_cost {extra_cost}, no password memory)", file=sys.stderr)
        cold = nimbus(args, ["issue"], concs, extra_cost,
                      f" (kdf {extra_cost}, every sign-in pays the KDF)", password_memory=False)
        nb.cells.update(cold.cells)
    if "issue" in tests:
        renamed = {}
        for (test, conc), cell in nb.cells.items():
            name = f"issue (kdf {default_cost})" if test == "issue" else test
            renamed[(name, conc)] = cell
        nb.cells = dict(sorted(renamed.items(), key=lambda kv: (kv[0][0] == "validate", kv[0])))
    report(nb, ks, "\n".join(lines))
    if args.json:
        write_json(args.json, nb, ks)
    return 0


def write_json(path: Path, nb: Side, ks: Side | None) -> None:
    rows = []
    for (test, conc), cell in nb.cells.items():
        peer = ks.cells.get((test.split(" ")[0], conc)) if ks else None
        rows.append({"test": test, "concurrency": conc, "rps": cell.rps, "p50_ms": cell.p50_ms,
                     "p99_ms": cell.p99_ms, "errors": cell.errors,
                     "peer_rps": peer.rps if peer else None,
                     "ratio": cell.rps / peer.rps if peer and peer.rps else None})
    path.write_text(json.dumps({"cells": rows}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
