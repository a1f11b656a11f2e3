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
