"""Storage nodes: the ring's devices served over HTTP by ``nimbus agent object``, a proxy holding
no objects, quorum writes while a node is down, and the nodes' replicators and auditors."""

from __future__ import annotations

import hashlib
import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from nimbus.conf.settings import load
from nimbus.core.errors import ServiceUnavailable
from nimbus.object.drivers import ring_builder
from nimbus.object.drivers.device import Version
from nimbus.object.drivers.remote_device import KEY_HEADER, RemoteDevice
from nimbus.object.drivers.ring import RING_FILE, RingDriver
from nimbus.object.drivers.storage_node import StorageNode

COVERS = [("object", "storage nodes over HTTP: proxy without disks, a node down (quorum "
                     "writes, reads from the others), node replicators and auditors repair")]
OBJECTS = 10
KEY = "node-key-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Nodes:
    def __init__(self, state: Path) -> None:
        self.state = state
        state.mkdir(parents=True, exist_ok=True)
        (state / "secrets.yaml").write_text(yaml.safe_dump({"storage_node_key": KEY}))
        self.addresses = [f"127.0.0.1:{free_port()}" for _ in range(3)]
        ring = ring_builder.create(6, 3, min_part_hours=0)
        for n, address in enumerate(self.addresses, start=1):
            ring.add(f"d{n}", 100.0, zone=n, node=address)
        ring.rebalance()
        ring.save(state / RING_FILE)
        self.drivers = [RingDriver(load({"state_dir": str(state), "object_node": a}))
                        for a in self.addresses]
        self.servers: list[StorageNode | None] = [None, None, None]
        for n in range(3):
            self.start(n)
        self.proxy = RingDriver(load({"state_dir": str(state)}))

    def start(self, n: int) -> None:
        driver = self.drivers[n]
        self.servers[n] = StorageNode(lambda: driver.devices, self.addresses[n], KEY).start()

    def stop(self, n: int) -> None:
        server = self.servers[n]
        if server is not None:
            server.stop()
        self.servers[n] = None

    def copies(self, name: str, ts: str) -> int:
        name_hash = ring_builder.object_hash("AUTH_a", "c", name)
        part = self.proxy.ring.partition(name_hash)
        return sum(1 for n in range(3)
                   if list((self.state / "objects" / f"d{n + 1}" / "objects" / str(part)
                            / name_hash[-3:] / name_hash).glob(f"{ts}.data")))


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[Nodes]:
    cluster = Nodes(tmp_path / "state")
    yield cluster
    for n in range(3):
        cluster.stop(n)


def body(n: int) -> bytes:
    return f"object {n} ".encode() * (20_000 + n)


def put(driver: RingDriver, n: int) -> str:
    chunks = (body(n)[i:i + 65536] for i in range(0, len(body(n)), 65536))
    return driver.put("AUTH_a", "c", f"o{n}", chunks, {"n": n}, 10**9).timestamp


def test_the_proxy_writes_three_copies_over_http_and_holds_none(nodes: Nodes) -> None:
    assert not any(d.local for d in nodes.proxy.devices.values())
    stamps = {n: put(nodes.proxy, n) for n in range(OBJECTS)}
    for n, ts in stamps.items():
        assert nodes.copies(f"o{n}", ts) == 3
        assert b"".join(nodes.proxy.get("AUTH_a", "c", f"o{n}", ts)) == body(n)
        assert b"".join(nodes.proxy.get("AUTH_a", "c", f"o{n}", ts, 5, 17)) == body(n)[5:17]
        assert nodes.proxy.head("AUTH_a", "c", f"o{n}", ts)["n"] == n
    # Only the nodes' own disks are walked: the proxy has nothing to replicate or audit.
    assert list(nodes.proxy.list()) == []
    assert nodes.proxy.replicate_pass(1000) == 0


def test_a_node_down_writes_and_reads_go_on_and_replication_catches_up(nodes: Nodes) -> None:
    before = {n: put(nodes.proxy, n) for n in range(OBJECTS)}
    nodes.stop(1)
    during = {n: put(nodes.proxy, n) for n in range(OBJECTS, 2 * OBJECTS)}
    for n, ts in {**before, **during}.items():
        assert b"".join(nodes.proxy.get("AUTH_a", "c", f"o{n}", ts)) == body(n)
    # Written during the outage: a quorum, on the two nodes that are up (three devices in all:
    # no handoff is left to stand in).
    assert all(nodes.copies(f"o{n}", ts) == 2 for n, ts in during.items())
    # One version deleted while the node was away must not come back with it.
    nodes.proxy.delete("AUTH_a", "c", "o0", before[0])
    nodes.start(1)
    for driver in nodes.drivers:
        for _ in range(3):
            driver.replicate_pass(10_000)
    for n, ts in {**before, **during}.items():
        assert nodes.copies(f"o{n}", ts) == (0 if n == 0 else 3), n


def test_two_nodes_down_refuse_writes(nodes: Nodes) -> None:
    nodes.stop(0)
    nodes.stop(2)
    with pytest.raises(ServiceUnavailable):
        put(nodes.proxy, 1)


def test_a_node_audits_its_disks_and_the_others_repair(nodes: Nodes) -> None:
    ts = put(nodes.proxy, 3)
    name_hash = ring_builder.object_hash("AUTH_a", "c", "o3")
    part = nodes.proxy.ring.partition(name_hash)
    data = next((nodes.state / "objects" / "d1" / "objects" / str(part)).glob(
        f"*/{name_hash}/{ts}.data"))
    raw = bytearray(data.read_bytes())
    raw[100] ^= 0xFF
    data.write_bytes(bytes(raw))
    assert nodes.drivers[0].audit_pass(1000) == 1
    assert nodes.copies("o3", ts) == 2
    for driver in nodes.drivers[1:]:
        driver.replicate_pass(10_000)
    assert nodes.copies("o3", ts) == 3
    assert hashlib.md5(data.read_bytes(), usedforsecurity=False).hexdigest() == \
        nodes.proxy.head("AUTH_a", "c", "o3", ts)["etag"]


def test_a_node_refuses_requests_without_the_cloud_key(nodes: Nodes) -> None:
    host, port = nodes.addresses[0].split(":")
    for headers in ({}, {KEY_HEADER: "guess"}):
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        conn.request("GET", "/dev/d1/parts", headers=headers)
        assert conn.getresponse().status == 403
        conn.close()
    device = RemoteDevice(99, "d1", nodes.addresses[0], KEY)
    assert device.available()
    assert device.has(Version(0, "0" * 32, "1.00000")) is False


def test_a_node_answers_malformed_bodies_with_400(nodes: Nodes) -> None:
    host, port = nodes.addresses[0].split(":")
    for method, path, body in (("POST", "/dev/d1/uploads/x/commit", b"not json"),
                               ("POST", "/dev/d1/uploads/x/commit", b"[]"),
                               ("PUT", "/dev/d1/parts/1/abc/1.00000/record", b"{")):
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        conn.request(method, path, body=body, headers={KEY_HEADER: KEY})
        assert conn.getresponse().status == 400, path
        conn.close()
