#!/usr/bin/env python3
"""bench/object: object PUT/GET throughput against the raw disk, and small-object request rates.

    .venv/bin/python bench/object.py [--size-mib 1024] [--small 400] [--seconds 20] [--dir D]

Starts the whole cloud (``nimbus up``, the ring driver: three replicas on three devices of the
same filesystem) with its state directory under ``--dir`` (default a temporary directory), and
talks to it with the unmodified openstacksdk, as a user would:

* disk write/read: ``dd bs=1M conv=fdatasync`` of ``--size-mib`` into that filesystem, and
  ``dd iflag=direct`` back (bench/image.py's method);
* PUT of one ``--size-mib`` object, streamed. Three replicas are three writes of every byte, so
  two ratios are printed: to one dd write, and of the three copies' bytes to it;
* GET of it, streamed and counted, after dropping its copies from the page cache;
* small objects (4 KiB): PUT then GET requests per second at concurrency 1 and 8, each phase
  bounded by ``--small`` requests and ``--seconds`` seconds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openstack  # noqa: E402
import yaml  # noqa: E402

from bench.image import MB, disk_speeds, drop_cache  # noqa: E402
from tests.support.cloud_process import CloudProcess  # noqa: E402

BLOCK = 1024 * 1024
SMALL = b"s" * 4096


def connect(cloud: CloudProcess) -> Any:
    secrets = yaml.safe_load((cloud.state_dir / "secrets.yaml").read_text())
    return openstack.connect(auth_url=f"{cloud.url}/identity/v3", username="admin",
                             password=secrets["admin_password"], project_name="admin",
                             user_domain_id="default", project_domain_id="default")


def object_health(cloud: CloudProcess) -> dict[str, Any]:
    with urllib.request.urlopen(f"{cloud.url}/health", timeout=10) as resp:
        health: dict[str, Any] = json.load(resp)["services"]["object"]
    return health


def body(size: int) -> Iterator[bytes]:
    block = b"\xa5" * BLOCK
    sent = 0
    while sent < size:
        piece = block[:min(BLOCK, size - sent)]
        sent += len(piece)
        yield piece


def big_object(conn: Any, cloud: CloudProcess, size: int) -> tuple[float, float]:
    store = conn.object_store
    store.create_container("bench")
    started = time.monotonic()
    resp = store.put("/bench/big", data=body(size),
                     headers={"Content-Type": "application/octet-stream"})
    put = size / (time.monotonic() - started) / MB
    assert resp.status_code == 201, resp.text
    for copy in cloud.state_dir.glob("objects/*/objects/*/*/*/*.data"):
        drop_cache(copy)
    got = 0
    started = time.monotonic()
    with store.get("/bench/big", stream=True) as resp:
        for chunk in resp.iter_content(BLOCK):
            got += len(chunk)
    get = size / (time.monotonic() - started) / MB
    assert got == size
    store.delete("/bench/big")
    return put, get


def rate(conns: list[Any], verb: str, limit: int, seconds: float) -> float:
    """Requests per second of ``verb`` on small objects, one thread per connection."""
    count = [0]
    lock = threading.Lock()

    deadline = 0.0  # set once the threads start, after what the GETs read is there

    def work(index: int, conn: Any) -> None:
        store = conn.object_store
        n = 0
        while time.monotonic() < deadline:
            with lock:
                if count[0] >= limit:
                    return
                count[0] += 1
            name = f"/bench/small-{index}-{n % 50}"
            if verb == "PUT":
                assert store.put(name, data=SMALL).status_code == 201
            else:
                assert store.get(name).content == SMALL
            n += 1

    if verb == "GET":  # what the GETs read
        for index, conn in enumerate(conns):
            for n in range(50):
                conn.object_store.put(f"/bench/small-{index}-{n}", data=SMALL)
    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(conns)]
    started = time.monotonic()
    deadline = started + seconds
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count[0] / (time.monotonic() - started)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--small", type=int, default=400, help="requests per phase at most")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per phase at most")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nimbus-bench-object-", dir=args.dir))
    size = args.size_mib * 1024 * 1024
    writes, reads = disk_speeds(work, args.size_mib, 1)
    cloud = CloudProcess(work / "state").start()
    rates: dict[tuple[str, int], float] = {}
    driver: dict[str, Any] = {}
    try:
        conn = connect(cloud)
        driver = object_health(cloud)
        put, get = big_object(conn, cloud, size)
        for concurrency in (1, 8):
            conns = [conn] + [connect(cloud) for _ in range(concurrency - 1)]
            for verb in ("PUT", "GET"):
                rates[(verb, concurrency)] = rate(conns, verb, args.small, args.seconds)
    finally:
        cloud.stop()
        shutil.rmtree(work, ignore_errors=True)
    write, read = statistics.median(writes), statistics.median(reads)
    where = ("a ring of 3 devices on that filesystem, 3 replicas" if driver.get("replicas")
             else f"the {driver.get('driver')} driver")
    print(f"object size {args.size_mib} MiB, state dir under {work.parent}, {where}")
    print(f"disk write (dd conv=fdatasync): {write:7.1f} MB/s")
    print(f"disk read  (dd iflag=direct):   {read:7.1f} MB/s")
    print(f"PUT (streamed): {put:7.1f} MB/s = {put / write:5.0%} of one dd write; the 3 copies "
          f"written: {3 * put:7.1f} MB/s = {3 * put / write:5.0%} of it")
    print(f"GET (streamed, copies out of the page cache): {get:7.1f} MB/s = "
          f"{get / read:5.0%} of dd read")
    for (verb, concurrency), value in rates.items():
        print(f"small objects (4 KiB) {verb} at concurrency {concurrency}: {value:7.1f} req/s")
    print("(at most --small requests or --seconds per phase; wall-clock figures only mean "
          "something on an otherwise idle host)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
