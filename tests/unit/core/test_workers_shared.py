"""What the API workers share: the bus through its bridge, counters, and SQLite's writers."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from nimbus.core.auth.validate import TokenValidator
from nimbus.core.bus.bridge import BridgedBus, BridgeServer
from nimbus.core.bus.rpc import Bus, RpcClient
from nimbus.core.db.engine import Database
from nimbus.core.errors import NotFound
from nimbus.core.shared_counter import SharedCounter

COVERS = [
    ("core", "API workers: the bus bridge, shared counters, SQLite writers across processes"),
]


class Endpoint:
    RPC_VERSION = "1.0"
    RPC_METHODS = frozenset({"add", "missing", "record"})

    def __init__(self) -> None:
        self.casts: list[Any] = []
        self.event = threading.Event()

    def add(self, ctx: dict[str, Any], a: int, b: int) -> int:
        return a + b

    def missing(self, ctx: dict[str, Any], id: str) -> None:
        raise NotFound(resource="widget", id=id)

    def record(self, ctx: dict[str, Any], item: Any) -> None:
        self.casts.append(item)
        self.event.set()


def test_a_worker_calls_and_casts_through_the_bridge(tmp_path: Path) -> None:
    bus = Bus("memory://", default_timeout=10, namespace=f"t-{uuid.uuid4().hex[:8]}")
    endpoint = Endpoint()
    bus.serve("adder", "host1", endpoint)
    bridge = BridgeServer(bus, tmp_path / "bus.sock").start()
    lost = threading.Event()
    worker = BridgedBus(bridge.path, 10, bus.names.namespace, on_lost=lost.set)
    try:
        client = RpcClient(worker, "adder")
        assert client.call({}, "add", a=2, b=3) == 5
        # Errors come back as the same class, through the relay too.
        with pytest.raises(NotFound):
            client.call({}, "missing", id="w1")
        client.cast({}, "record", item={"x": 1})
        assert endpoint.event.wait(5) and endpoint.casts == [{"x": 1}]
        # Serving is the first process's: a worker refuses to.
        with pytest.raises(NotImplementedError):
            worker.serve("adder", "host2", Endpoint())
        # The first process going away is told.
        bridge.stop()
        assert lost.wait(5)
    finally:
        worker.close()
        bridge.stop()
        bus.close()


def _bump(path: str, times: int) -> None:
    counter = SharedCounter(Path(path))
    for _ in range(times):
        counter.bump()


def test_a_counter_moves_for_every_process_sharing_it(tmp_path: Path) -> None:
    path = tmp_path / "counter"
    mine = SharedCounter(path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_bump, args=(str(path), 200)) for _ in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    # Every increment of every process counted: they are ordered by the file lock.
    assert mine.value == 600


def test_a_revocation_in_one_process_empties_the_others_token_caches(tmp_path: Path) -> None:
    calls: list[str] = []

    def backend(token: str) -> dict[str, Any]:
        calls.append(token)
        return {"user": {"id": "u1"}, "expires_at": "2999-01-01T00:00:00.000000Z"}

    here = TokenValidator(shared=tmp_path / "revocations")
    there = TokenValidator(shared=tmp_path / "revocations")
    here.use_local(backend)
    there.use_local(backend)
    here.validate("t1")
    here.validate("t1")
    assert calls == ["t1"]
    there.invalidate()
    here.validate("t1")
    assert calls == ["t1", "t1"]


def _write_rows(url: str, worker: int, rows: int) -> None:
    db = Database(url)
    for i in range(rows):
        with db.writer() as s:
            s.execute(text("INSERT INTO t (worker, n) VALUES (:w, :n)"), {"w": worker, "n": i})
    db.dispose()


def test_sqlite_writers_of_several_processes_never_see_locked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    db = Database(url)
    with db.writer() as s:
        s.execute(text("CREATE TABLE t (worker INTEGER, n INTEGER)"))
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_rows, args=(url, w, 150)) for w in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    with db.reader() as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 600
    db.dispose()


def test_workers_outlive_the_thread_that_started_them_and_end_with_the_watcher() -> None:
    """A worker's end-with-parent signal follows the thread that spawned it: started from a
    short-lived thread (the first process's start-up), the workers must not die with it."""
    import sys
    import time

    from nimbus.cmd.workers import ApiWorkers

    child = [sys.executable, "-c",
             "from nimbus.cmd import workers; workers.worker_spec(); import time; time.sleep(60)"]
    pool = ApiWorkers(2, {}, "", command=child)
    seen: list[int] = []

    def start_up() -> None:
        # Start-up goes on a while after asking for the workers (as a first process that
        # uploads guest images does), long enough for them to ask for the signal.
        pool.start()
        deadline = time.monotonic() + 20
        while len(pool.pids) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        seen.extend(pool.pids)
        time.sleep(3)

    starter = threading.Thread(target=start_up)
    starter.start()
    starter.join()
    assert len(seen) == 2
    time.sleep(1.5)
    assert pool.pids == seen
    pool.stop(timeout=10)
    assert pool.pids == []
