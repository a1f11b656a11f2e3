"""Scaled object storage: an API process holding no objects in front of three storage nodes
(``nimbus agent object``), on PostgreSQL. One node is killed: the unmodified `swift` CLI goes on
writing and reading; back, the node is caught up by replication, and nothing acknowledged is lost
(every object still reads with another node killed)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.backends import scratch_database
from tests.support.cloud_process import BIN, CloudProcess, free_port
from tests.support.swift_cli import swift

pytestmark = pytest.mark.functional

COVERS = [("object", "scaled: three storage nodes (nimbus agent object), one killed: swift "
                     "writes and reads go on, replication catches the node up, nothing lost")]
OBJECTS = 6


class Cluster:
    def __init__(self, api: CloudProcess, addresses: list[str], stack: ExitStack) -> None:
        self.api = api
        self.addresses = addresses
        self.stack = stack
        self.nodes: list[subprocess.Popen[bytes] | None] = [None] * len(addresses)

    def start(self, n: int) -> None:
        proc = self.api.spawn("agent", "object", "--object-node", self.addresses[n])
        self.nodes[n] = proc
        self.stack.callback(_stop, proc)
        host, port = self.addresses[n].split(":")
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"storage node {n} exited with {proc.returncode}"
            try:
                with socket.create_connection((host, int(port)), timeout=1):
                    return
            except OSError:
                assert time.monotonic() < deadline, "the storage node did not listen"
                time.sleep(0.2)

    def kill(self, n: int) -> None:
        proc = self.nodes[n]
        assert proc is not None
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        self.nodes[n] = None

    def data_files(self, n: int) -> int:
        root = self.api.state_dir / "objects" / f"d{n + 1}" / "objects"
        return len(list(root.glob("*/*/*/*.data")))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _manage_ring(state: Path, *args: str) -> None:
    subprocess.run([str(BIN / "nimbus"), "manage", "ring", "--state-dir", str(state), *args],
                   check=True, capture_output=True, timeout=60)


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    # The nodes replicate every half second once they have work (bounded waits below).
    monkeypatch.setenv("NIMBUS_OBJECT_REPLICATOR_INTERVAL", "0.5")
    state = tmp_path / "state"
    state.mkdir()
    addresses = [f"127.0.0.1:{free_port()}" for _ in range(3)]
    _manage_ring(state, "create", "6", "3", "0")
    for n, address in enumerate(addresses, start=1):
        _manage_ring(state, "add", f"d{n}", "100", "--zone", str(n), "--node", address)
    _manage_ring(state, "rebalance")
    with ExitStack() as stack:
        db_url = stack.enter_context(scratch_database("postgresql"))
        api = CloudProcess(state, db_url, command=("serve", "api"))
        api.start()
        stack.callback(api.stop)
        nodes = Cluster(api, addresses, stack)
        for n in range(3):
            nodes.start(n)
        yield nodes
        assert api.server_errors() == []


def _upload(cluster: Cluster, container: str, tmp_path: Path, names: range) -> dict[str, bytes]:
    folder = tmp_path / f"batch-{names.start}"
    folder.mkdir()
    written = {}
    for n in names:
        data = os.urandom(20_000 + n)
        (folder / f"o{n}").write_bytes(data)
        written[f"o{n}"] = data
    # Uploaded from inside the folder, so each object's name is its file name.
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        swift(cluster.api, "upload", container, *written)
    finally:
        os.chdir(cwd)
    return written


def _read_all(cluster: Cluster, container: str, written: dict[str, bytes],
              tmp_path: Path) -> None:
    out = tmp_path / f"out-{uuid.uuid4().hex[:6]}"
    swift(cluster.api, "download", "-D", str(out), container)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == written


def test_a_storage_node_killed_and_back(cluster: Cluster, tmp_path: Path) -> None:
    container = f"c-{uuid.uuid4().hex[:8]}"
    # The API process has no disks of its own: every object is on the nodes.
    written = _upload(cluster, container, tmp_path, range(OBJECTS))
    assert [cluster.data_files(n) for n in range(3)] == [OBJECTS] * 3
    assert not (cluster.api.state_dir / "objects" / "data").exists()

    cluster.kill(1)
    written |= _upload(cluster, container, tmp_path, range(OBJECTS, 2 * OBJECTS))
    _read_all(cluster, container, written, tmp_path)
    swift(cluster.api, "delete", container, "o0")
    del written["o0"]
    assert cluster.data_files(1) == OBJECTS

    cluster.start(1)
    deadline = time.monotonic() + 90
    while [cluster.data_files(n) for n in range(3)] != [len(written)] * 3:
        assert time.monotonic() < deadline, [cluster.data_files(n) for n in range(3)]
        time.sleep(0.5)
    # Each object now has a copy on the node that came back: it reads with another one gone.
    cluster.kill(0)
    _read_all(cluster, container, written, tmp_path)
