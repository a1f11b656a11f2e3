"""The bus: call, cast, fanout and errors, on memory:// and (integration) on RabbitMQ."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from nimbus.core.bus.rpc import Bus, RpcClient
from nimbus.core.errors import NotFound, RpcTimeout
from tests.support.backends import amqp_url

COVERS = [
    ('core', 'bus: call/cast/fanout on memory:// and RabbitMQ'),
]

class Endpoint:
    RPC_VERSION = "1.2"
    RPC_METHODS = frozenset({"add", "echo", "missing", "record"})

    def __init__(self) -> None:
        self.casts: list[Any] = []
        self.event = threading.Event()

    def add(self, ctx: dict[str, Any], a: int, b: int) -> int:
        return a + b

    def echo(self, ctx: dict[str, Any], value: Any) -> Any:
        return {"value": value, "request_id": ctx.get("request_id")}

    def missing(self, ctx: dict[str, Any], id: str) -> None:
        raise NotFound(resource="widget", id=id)

    def record(self, ctx: dict[str, Any], item: Any) -> None:
        self.casts.append(item)
        self.event.set()


@pytest.fixture(params=["memory", "amqp"])
def bus(request: pytest.FixtureRequest) -> Iterator[Bus]:
    if request.param == "amqp":
        request.applymarker(pytest.mark.integration)
        url = amqp_url()
    else:
        url = "memory://"
    b = Bus(url, default_timeout=10)
    yield b
    b.close()


def _topic() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def test_call_returns_json_result(bus: Bus) -> None:
    topic = _topic()
    bus.serve(topic, "host1", Endpoint())
    client = RpcClient(bus, topic, "1.0")
    assert client.call({"request_id": "req-1"}, "add", a=2, b=3) == 5
    assert client.call({"request_id": "req-1"}, "echo", value=[1, "x"]) == {
        "value": [1, "x"], "request_id": "req-1"}


def test_errors_cross_the_bus_as_the_same_class(bus: Bus) -> None:
    topic = _topic()
    bus.serve(topic, "host1", Endpoint())
    with pytest.raises(NotFound) as info:
        RpcClient(bus, topic).call({}, "missing", id="w1")
    assert "w1" in info.value.message


def test_unknown_method_and_newer_version_are_errors(bus: Bus) -> None:
    topic = _topic()
    bus.serve(topic, "host1", Endpoint())
    with pytest.raises(Exception, match="no RPC method"):
        RpcClient(bus, topic).call({}, "_private")
    with pytest.raises(Exception, match="speaks RPC 1.2"):
        RpcClient(bus, topic, "1.3").call({}, "add", a=1, b=1)


def test_cast_to_a_host_reaches_only_that_host(bus: Bus) -> None:
    topic = _topic()
    one, two = Endpoint(), Endpoint()
    bus.serve(topic, "one", one)
    bus.serve(topic, "two", two)
    RpcClient(bus, topic).prepare(server="two").cast({}, "record", item="hello")
    assert two.event.wait(5)
    assert two.casts == ["hello"] and one.casts == []


def test_fanout_reaches_every_server(bus: Bus) -> None:
    topic = _topic()
    servers = [Endpoint() for _ in range(3)]
    for i, endpoint in enumerate(servers):
        bus.serve(topic, f"h{i}", endpoint)
    RpcClient(bus, topic).fanout({}, "record", item=1)
    for endpoint in servers:
        assert endpoint.event.wait(5)


def test_call_times_out_without_a_server(bus: Bus) -> None:
    with pytest.raises(RpcTimeout):
        RpcClient(bus, _topic(), timeout=0.5).call({}, "add", a=1, b=2)


def test_values_that_are_not_json_fail_on_memory_too() -> None:
    bus = Bus("memory://")
    try:
        with pytest.raises(TypeError):
            RpcClient(bus, _topic()).cast({}, "record", item={1, 2})
    finally:
        bus.close()


_DOOMED_AGENT = """
import sys, threading, time
from nimbus.core.bus.rpc import Bus

class Slow:
    RPC_VERSION = "1.0"
    RPC_METHODS = frozenset({"record"})

    def record(self, ctx, item):
        print("handling", flush=True)
        time.sleep(60)

bus = Bus(sys.argv[1], default_timeout=10, namespace=sys.argv[2])
bus.serve(sys.argv[3], "host1", Slow())
print("serving", flush=True)
threading.Event().wait()
"""


@pytest.mark.integration
def test_work_cut_short_by_a_crash_is_delivered_again() -> None:
    """A cast is persistent and acknowledged only once handled: when the agent is killed in the
    middle of the work, the restarted agent of that host gets the same message again."""
    import signal
    import subprocess
    import sys

    namespace, topic = f"crash-{uuid.uuid4().hex[:8]}", _topic()
    agent = subprocess.Popen([sys.executable, "-c", _DOOMED_AGENT, amqp_url(), namespace, topic],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert agent.stdout is not None and agent.stdout.readline().strip() == "serving"
        client_bus = Bus(amqp_url(), default_timeout=10, namespace=namespace)
        RpcClient(client_bus, topic).prepare(server="host1").cast({}, "record", item="work")
        assert agent.stdout.readline().strip() == "handling"
        agent.send_signal(signal.SIGKILL)
        agent.wait(10)
        client_bus.close()
    finally:
        if agent.poll() is None:
            agent.kill()
    restarted = Bus(amqp_url(), default_timeout=10, namespace=namespace)
    endpoint = Endpoint()
    restarted.serve(topic, "host1", endpoint)
    try:
        assert endpoint.event.wait(10)
        assert endpoint.casts == ["work"]
    finally:
        restarted.close()


def test_a_cast_waits_for_a_worker_that_has_not_started(bus: Bus) -> None:
    topic = _topic()
    RpcClient(bus, topic).prepare(server="later").cast({}, "record", item="queued")
    endpoint = Endpoint()
    bus.serve(topic, "later", endpoint)
    assert endpoint.event.wait(5)
    assert endpoint.casts == ["queued"]


def test_only_declared_methods_are_callable(bus: Bus) -> None:
    topic = _topic()
    endpoint = Endpoint()
    endpoint.stop = lambda ctx: None  # type: ignore[attr-defined]
    bus.serve(topic, "host1", endpoint)
    client = RpcClient(bus, topic, "1.0")
    with pytest.raises(Exception, match="no RPC method stop"):
        client.call({}, "stop")
