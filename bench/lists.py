#!/usr/bin/env python3
"""bench/lists: lists at scale, the server's time for a first page and for filtered lists.

    .venv/bin/python bench/lists.py [--scale 1] [--requests 40] [--dir D] [--state S]

Starts ``nimbus up`` (embedded: SQLite, in-memory bus, fake drivers) in a scratch state dir,
makes one server, network, port, volume and object through the API as the demo user, stops
the cloud and copies them in bulk (bench/lists_seed.py) to 10,000 servers, 1,000 networks with
5,000 ports, 10,000 volumes and 100,000 objects in one container (times ``--scale``), starts
it again, checks through the API that the copies list as API-made rows do, and times
``--requests`` GETs of each list below with one keep-alive connection.

The figures are the server's own (the time the request took in the cloud, from its log line,
which holds everything from the first byte read to the response body built); the client's are
printed beside them. The goal: under 100 ms at p95 for a first page and for a filtered list.
``--state S`` keeps the seeded state dir at S and reuses it on the next run (the cloud migrates
it forward when it starts, so a reused one also shows what a new migration does).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import yaml  # noqa: E402
from lists_seed import (  # noqa: E402
    FAILED_EVERY,
    PORTS_PER_NETWORK,
    Sizes,
    Templates,
    copy_templates,
    make_templates,
    object_name,
)

from tests.support.cloud_process import CloudProcess  # noqa: E402

SEEDED = "bench-lists-seed.json"
GOAL_MS = 100.0


def connect(cloud: CloudProcess) -> tuple[httpx.Client, str]:
    """A keep-alive client holding a token of the demo user; and the demo project's id."""
    secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
    client = httpx.Client(base_url=cloud.url, timeout=120)
    auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "demo", "domain": {"id": "default"}, "password": secrets["demo_password"]}}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}}
    reply = client.post("/identity/v3/auth/tokens", json=auth)
    reply.raise_for_status()
    client.headers["X-Auth-Token"] = reply.headers["x-subject-token"]
    return client, reply.json()["token"]["project"]["id"]


def seed(state: Path, sizes: Sizes) -> Templates:
    cloud = CloudProcess(state).start()
    try:
        client, project_id = connect(cloud)
        templates = make_templates(client, project_id)
    finally:
        cloud.stop()
    started = time.monotonic()
    copy_templates(f"sqlite:///{state / 'nimbus.db'}", templates, sizes)
    print(f"seeded {sizes} in {time.monotonic() - started:.1f} s")
    (state / SEEDED).write_text(json.dumps({"templates": vars(templates),
                                            "sizes": vars(sizes)}))
    return templates


def _count(client: httpx.Client, path: str, key: str) -> int:
    reply = client.get(path)
    reply.raise_for_status()
    return len(reply.json()[key])


def _walk(client: httpx.Client, path: str, key: str, id_key: str = "id") -> int:
    """Every row of a list, a thousand at a time through its markers."""
    seen, marker = 0, None
    while True:
        sep = "&" if "?" in path else "?"
        reply = client.get(f"{path}{sep}limit=1000" + (f"&marker={marker}" if marker else ""))
        reply.raise_for_status()
        rows = reply.json()[key]
        seen += len(rows)
        if len(rows) < 1000:
            return seen
        marker = rows[-1][id_key]


def check(client: httpx.Client, t: Templates, sizes: Sizes) -> None:
    """The copies list through the API as API-made rows do."""
    volumes = f"/volume/v3/{t.project_id}/volumes"

    def expect(what: str, found: int, wanted: int) -> None:
        if found != wanted:
            raise SystemExit(f"{what}: the API lists {found}, {wanted} were seeded")

    expect("servers", _walk(client, "/compute/v2.1/servers", "servers"), sizes.servers + 1)
    expect("ERROR servers", _count(client, "/compute/v2.1/servers?status=ERROR", "servers"),
           sizes.servers // FAILED_EVERY)
    one = client.get("/compute/v2.1/servers/detail?name=^bench-server-00000$").json()
    expect("a server by name", len(one["servers"]), 1)
    assert one["servers"][0]["status"] == "ACTIVE", one
    expect("volumes", _walk(client, volumes, "volumes"), sizes.volumes + 1)
    vol = client.get(f"{volumes}/detail?name=bench-vol-00000").json()["volumes"]
    assert len(vol) == 1 and vol[0]["status"] == "available", vol
    nets = client.get("/network/v2.0/networks?name=bench-net-0000").json()["networks"]
    assert len(nets) == 1 and len(nets[0]["subnets"]) == 1, nets
    expect("a network's ports",
           _count(client, f"/network/v2.0/ports?network_id={nets[0]['id']}", "ports"),
           PORTS_PER_NETWORK)
    expect("servers' ports", _walk(client, "/network/v2.0/ports?device_owner=compute:nova",
                                   "ports"), sizes.ports + 1)
    head = client.head(f"/object/v1/{t.account}/{t.container}")
    expect("objects", int(head.headers["x-container-object-count"]), sizes.objects + 1)


def cases(client: httpx.Client, t: Templates, sizes: Sizes) -> list[tuple[str, str]]:
    """(label, path) of every list timed."""
    c, n = "/compute/v2.1", "/network/v2.0"
    v, o = f"/volume/v3/{t.project_id}", f"/object/v1/{t.account}/{t.container}"
    some_server = f"bench-server-{sizes.servers // 2:05d}"
    recent = client.get(f"{c}/servers?limit=50").json()["servers"][-1]["id"]
    since = client.get(f"{c}/servers/{recent}").json()["server"]["updated"]
    net = client.get(f"{n}/networks?name=bench-net-{sizes.networks // 2:04d}").json()
    net_id = net["networks"][0]["id"]
    device = client.get(f"{n}/ports?network_id={net_id}").json()["ports"][0]["device_id"]
    deep = object_name(sizes.objects * 9 // 10)
    return [
        ("servers/detail ?limit=100", f"{c}/servers/detail?limit=100"),
        ("servers (max_limit 1000)", f"{c}/servers"),
        ("servers/detail (max_limit 1000)", f"{c}/servers/detail"),
        ("servers/detail ?name=", f"{c}/servers/detail?name={some_server}"),
        ("servers/detail ?status=ERROR", f"{c}/servers/detail?status=ERROR"),
        ("servers/detail ?changes-since", f"{c}/servers/detail?changes-since={since}"),
        ("networks ?limit=100", f"{n}/networks?limit=100"),
        ("networks ?name=", f"{n}/networks?name=bench-net-{sizes.networks // 3:04d}"),
        ("ports ?limit=100", f"{n}/ports?limit=100"),
        ("ports ?network_id=", f"{n}/ports?network_id={net_id}"),
        ("ports ?device_id=", f"{n}/ports?device_id={device}"),
        ("volumes/detail ?limit=100", f"{v}/volumes/detail?limit=100"),
        ("volumes ?limit=100", f"{v}/volumes?limit=100"),
        ("volumes/detail ?name=", f"{v}/volumes/detail?name=bench-vol-{sizes.volumes // 2:05d}"),
        ("volumes/detail ?status=error", f"{v}/volumes/detail?status=error"),
        ("objects ?limit=100 (text)", f"{o}?limit=100"),
        ("objects ?limit=100 json", f"{o}?limit=100&format=json"),
        ("objects json (limit 10000)", f"{o}?format=json"),
        ("objects ?prefix= json", f"{o}?prefix={object_name(sizes.objects // 2)[:7]}"
                                  "&format=json"),
        ("objects ?marker= deep json", f"{o}?marker={deep}&limit=100&format=json"),
        ("objects ?delimiter=/ json", f"{o}?delimiter=/&format=json"),
    ]


def _cpu_seconds(root: int) -> float:
    """CPU time used so far by ``root`` and its child processes (API workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        pid, ppid = int(stat.parent.name), int(fields[1])
        if root in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def settle(cloud: CloudProcess, timeout: float = 60.0) -> float:
    """Wait until the cloud is idle (what it does after it is healthy, such as its agents
    looking over every server at start, would count against the first lists timed); the
    seconds waited."""
    assert cloud.proc is not None
    started = time.monotonic()
    before = _cpu_seconds(cloud.proc.pid)
    while time.monotonic() - started < timeout:
        time.sleep(1)
        now = _cpu_seconds(cloud.proc.pid)
        if now - before < 0.05:
            break
        before = now
    return time.monotonic() - started


def rows_of(reply: httpx.Response) -> int:
    if "json" not in reply.headers.get("content-type", ""):
        return len(reply.text.splitlines())
    body = reply.json()
    if isinstance(body, list):
        return len(body)
    return len(next(v for k, v in body.items() if isinstance(v, list)
                    and not k.endswith("_links")))


def server_times(log: Path) -> dict[str, float]:
    """Each request's time in the cloud by request id, from its log lines."""
    found = {}
    for line in log.read_text(errors="replace").splitlines():
        try:
            parts = json.loads(line).get("msg", "").split()
        except ValueError:
            continue
        if len(parts) >= 5 and parts[0].startswith("req-") and parts[-1].endswith("ms"):
            found[parts[0]] = float(parts[-1][:-2])
    return found


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(len(ordered) * 0.95) - 1)]


def measure(cloud: CloudProcess, client: httpx.Client, listed: list[tuple[str, str]],
            requests: int, figures: list[dict[str, Any]]) -> bool:
    ids: dict[str, list[str]] = {}
    client_ms: dict[str, list[float]] = {}
    rows: dict[str, int] = {}
    for label, path in listed:
        client.get(path).raise_for_status()  # warm: caches fill, the pages are read in
        for _ in range(requests):
            started = time.perf_counter()
            reply = client.get(path)
            client_ms.setdefault(label, []).append((time.perf_counter() - started) * 1000)
            reply.raise_for_status()
            ids.setdefault(label, []).append(reply.headers["x-openstack-request-id"])
            rows[label] = rows_of(reply)
    time.sleep(0.5)  # the log lines of the last requests
    took = server_times(cloud.state_dir / "nimbus.log")
    print(f"\n{'list':34} {'rows':>6} {'server p50':>11} {'p95':>7} {'client p50':>11} "
          f"{'p95':>7}  (ms, {requests} requests each)")
    ok = True
    for label, _ in listed:
        s50, s95 = percentiles([took[i] for i in ids[label]])
        c50, c95 = percentiles(client_ms[label])
        over = s95 >= GOAL_MS
        ok = ok and not over
        print(f"{label:34} {rows[label]:6} {s50:11.1f} {s95:7.1f} {c50:11.1f} {c95:7.1f}"
              f"{'  over' if over else ''}")
        figures.append({"page": label, "rows": rows[label], "p50_ms": s50, "p95_ms": s95,
                        "client_p50_ms": c50, "client_p95_ms": c95})
    return ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--dir", type=Path, default=None, help="where the scratch dir goes")
    parser.add_argument("--state", type=Path, default=None,
                        help="a state dir to seed once and reuse")
    parser.add_argument("--only", default="", help="time only the lists whose label has this")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.state is not None:
        state = args.state.resolve()
        state.parent.mkdir(parents=True, exist_ok=True)
    else:
        state = Path(tempfile.mkdtemp(prefix="nimbus-bench-lists-", dir=args.dir)) / "state"
    if (state / SEEDED).exists():
        saved = json.loads((state / SEEDED).read_text())
        templates, sizes = Templates(**saved["templates"]), Sizes(**saved["sizes"])
        print(f"reusing {sizes}")
    else:
        sizes = Sizes.scaled(args.scale)
        templates = seed(state, sizes)
    cloud = CloudProcess(state).start(timeout=300)
    try:
        print(f"healthy after {cloud.ready_after:.1f} s")
        client, _ = connect(cloud)
        check(client, templates, sizes)
        print(f"idle after another {settle(cloud):.1f} s")
        listed = [c for c in cases(client, templates, sizes) if args.only in c[0]]
        figures: list[dict[str, Any]] = []
        ok = measure(cloud, client, listed, args.requests, figures)
    finally:
        cloud.stop()
    if args.json:
        args.json.write_text(json.dumps({"rows": figures}, indent=1))
    print("every list under 100 ms at p95" if ok else "some lists over 100 ms at p95")
    return 0


if __name__ == "__main__":
    sys.exit(main())
