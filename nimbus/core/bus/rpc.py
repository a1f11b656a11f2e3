"""RPC and notifications over kombu: ``memory://`` in one process, ``amqp://`` across hosts.

Every message is JSON on every hop, the in-memory transport included, so a value that would not
survive RabbitMQ fails in unit tests too.

- ``call``: request/reply with a timeout; errors raised by the server come back as the same
  ``NimbusError`` class.
- ``cast``: fire and forget to one of the servers of a topic (competing consumers), or to one host.
- ``fanout``: to every server of a topic.
- ``notify``: versioned notifications on the ``nimbus.notifications`` topic exchange.

Work survives a crash: on RabbitMQ the RPC exchange and the topic and host queues are durable
(quorum queues), every request is persistent, and a server acknowledges a message only after
its handler returned. A message whose handler was cut short by a crash is delivered again, so
every handler must be idempotent: it looks at the resource first and drops a message for one
that has moved on. (In memory, a crash loses everything queued; each worker's start-up
reconciliation covers that.)
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kombu import Connection, Exchange, Queue
from kombu.pools import producers

from nimbus.core.bus import memory
from nimbus.core.errors import NimbusError, RpcTimeout

LOG = logging.getLogger(__name__)

class Names:
    """Exchange and queue names of one cloud. Every name starts with the cloud's namespace, so
    two clouds on one broker (or a test run after another) never see each other's messages."""

    def __init__(self, namespace: str, durable: bool = True) -> None:
        self.namespace = namespace
        self.durable = durable
        # "rpc.d": the durable exchange; a broker that still holds the transient one of an
        # older release must not see it redeclared with other properties.
        self.rpc = Exchange(f"{namespace}.rpc.d", type="direct", durable=True)
        self.notifications = Exchange(f"{namespace}.notifications", type="topic", durable=False)

    def fanout(self, topic: str) -> Exchange:
        return Exchange(f"{self.namespace}.rpc.{topic}.fanout", type="fanout", durable=False)

    def queue(self, *parts: str) -> str:
        return ".".join([self.namespace, *parts])

    def work_queue(self, name: str, routing_key: str) -> Queue:
        """A queue of requests that must outlive a crash of their consumer."""
        arguments = {"x-queue-type": "quorum"} if self.durable else None
        return Queue(name, exchange=self.rpc, routing_key=routing_key, durable=True,
                     auto_delete=False, queue_arguments=arguments)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class Bus:
    """A connection factory plus the reply machinery for one process."""

    def __init__(self, url: str = "memory://", default_timeout: float = 60.0,
                 namespace: str = "nimbus") -> None:
        self.url = url
        # Quorum queues are RabbitMQ's; the in-memory transport keeps plain ones.
        self.names = Names(namespace, durable=url.startswith(("amqp", "pyamqp")))
        self.default_timeout = default_timeout
        self._options: dict[str, Any] = {}
        self._publish_conn = self.connection()
        self._reply_queue_name = self.names.queue("reply", uuid.uuid4().hex)
        self._waiters: dict[str, _Waiter] = {}
        self._waiters_lock = threading.Lock()
        self._reply_thread: threading.Thread | None = None
        self._servers: list[RpcServer] = []
        self._stopping = threading.Event()

    def connection(self) -> Connection:
        # kombu warns "No hostname was supplied" whenever it describes a hostless URL (a
        # consumer's clone, say); the in-memory transport has no host, so name the default.
        if self.url.startswith("memory"):
            # Woken by a put rather than polling (see ``memory``).
            return Connection("memory://localhost/", transport=memory.Transport,
                              transport_options=dict(self._options), heartbeat=0)
        return Connection(self.url, transport_options=dict(self._options), heartbeat=0)

    def check(self) -> None:
        """Fail fast when the broker is unreachable."""
        conn = self.connection()
        try:
            conn.ensure_connection(max_retries=2, interval_start=0.2, interval_step=0.2)
        finally:
            conn.release()

    # -- publishing -------------------------------------------------------------------------
    def publish(self, body: dict[str, Any], exchange: Exchange, routing_key: str,
                queue: Queue | None = None, **props: Any) -> None:
        """Send ``body``; ``queue`` is declared first, so that a request for a worker that has
        not started yet (or is restarting) waits for it instead of being dropped."""
        self.publish_payload(_dumps(body), exchange, routing_key, queue, **props)

    def publish_payload(self, payload: str, exchange: Exchange, routing_key: str,
                        queue: Queue | None = None, **props: Any) -> None:
        """``publish`` of a body already encoded (one that an API worker relayed)."""
        declare: list[Any] = [exchange] if queue is None else [exchange, queue]
        with producers[self._publish_conn].acquire(block=True, timeout=10) as producer:
            producer.publish(
                payload,
                exchange=exchange,
                routing_key=routing_key,
                content_type="application/json",
                content_encoding="utf-8",
                serializer=None,
                retry=True,
                declare=declare,
                **props,
            )

    def notify(self, publisher_id: str, event_type: str, payload: dict[str, Any],
               priority: str = "info") -> None:
        body = {
            "message_id": str(uuid.uuid4()),
            "publisher_id": publisher_id,
            "event_type": event_type,
            "priority": priority.upper(),
            "payload": payload,
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        try:
            self.publish(body, self.names.notifications, f"notifications.{priority}")
        except Exception:  # notifications never break the operation that emits them
            LOG.exception("could not emit notification %s", event_type)

    # -- replies ----------------------------------------------------------------------------
    def _ensure_reply_consumer(self) -> None:
        with self._waiters_lock:
            if self._reply_thread is not None:
                return
            ready = threading.Event()
            self._reply_thread = threading.Thread(
                target=self._reply_loop, args=(ready,), name="bus-replies", daemon=True
            )
            self._reply_thread.start()
        ready.wait(10)

    def _reply_loop(self, ready: threading.Event) -> None:
        queue = Queue(
            self._reply_queue_name,
            exchange=self.names.rpc,
            routing_key=self._reply_queue_name,
            auto_delete=True,
            durable=False,
        )
        while not self._stopping.is_set():
            try:
                with self.connection() as conn, conn.Consumer(
                    queue, callbacks=[self._on_reply], accept=["json"], no_ack=True
                ):
                    ready.set()
                    while not self._stopping.is_set():
                        try:
                            conn.drain_events(timeout=0.5)
                        except TimeoutError:
                            continue
            except Exception:
                if self._stopping.is_set():
                    return
                LOG.exception("reply consumer lost its connection; reconnecting")
                time.sleep(0.5)

    def _on_reply(self, body: Any, message: Any) -> None:
        data = json.loads(body) if isinstance(body, str | bytes) else body
        with self._waiters_lock:
            waiter = self._waiters.get(data.get("correlation_id", ""))
        if waiter is not None:
            waiter.result = data
            waiter.event.set()

    def wait_reply(self, correlation_id: str, timeout: float, topic: str, method: str) -> Any:
        with self._waiters_lock:
            waiter = self._waiters[correlation_id]
        try:
            if not waiter.event.wait(timeout):
                raise RpcTimeout(topic=topic, method=method, timeout=timeout)
        finally:
            with self._waiters_lock:
                self._waiters.pop(correlation_id, None)
        data = waiter.result or {}
        if "error" in data:
            raise NimbusError.from_dict(data["error"])
        return data.get("result")

    def expect_reply(self) -> str:
        self._ensure_reply_consumer()
        correlation_id = uuid.uuid4().hex
        with self._waiters_lock:
            self._waiters[correlation_id] = _Waiter()
        return correlation_id

    @property
    def reply_to(self) -> str:
        return self._reply_queue_name

    # -- servers ----------------------------------------------------------------------------
    def serve(self, topic: str, host: str, endpoint: object, workers: int = 1) -> RpcServer:
        server = RpcServer(self, topic, host, endpoint, workers)
        server.start()
        self._servers.append(server)
        return server

    def close(self) -> None:
        self._stopping.set()
        for server in self._servers:
            server.stop()
        if self._reply_thread is not None:
            self._reply_thread.join(timeout=2)
        self._publish_conn.release()


@dataclass
class _Waiter:
    event: threading.Event = field(default_factory=threading.Event)
    result: dict[str, Any] | None = None


class RpcClient:
    """Versioned client for one topic; ``prepare(server=...)`` targets one host."""

    def __init__(self, bus: Bus, topic: str, version: str = "1.0", server: str | None = None,
                 timeout: float | None = None) -> None:
        self.bus = bus
        self.topic = topic
        self.version = version
        self.server = server
        self.timeout = timeout or bus.default_timeout

    def prepare(self, server: str | None = None, version: str | None = None,
                timeout: float | None = None) -> RpcClient:
        return RpcClient(self.bus, self.topic, version or self.version, server or self.server,
                         timeout or self.timeout)

    def _routing_key(self) -> str:
        return f"{self.topic}.{self.server}" if self.server else self.topic

    def _work_queue(self) -> Queue:
        names = self.bus.names
        parts = (self.topic, self.server) if self.server else (self.topic,)
        return names.work_queue(names.queue(*parts), self._routing_key())

    def _message(self, ctx: dict[str, Any], method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {"method": method, "args": kwargs, "version": self.version, "context": ctx}

    def call(self, ctx: dict[str, Any], method: str, **kwargs: Any) -> Any:
        correlation_id = self.bus.expect_reply()
        msg = self._message(ctx, method, kwargs)
        msg.update(reply_to=self.bus.reply_to, correlation_id=correlation_id)
        self.bus.publish(msg, self.bus.names.rpc, self._routing_key())
        return self.bus.wait_reply(correlation_id, self.timeout, self.topic, method)

    def cast(self, ctx: dict[str, Any], method: str, **kwargs: Any) -> None:
        # Persistent: a cast is work the API has already acknowledged to its caller.
        self.bus.publish(self._message(ctx, method, kwargs), self.bus.names.rpc,
                         self._routing_key(), queue=self._work_queue(), delivery_mode=2)

    def fanout(self, ctx: dict[str, Any], method: str, **kwargs: Any) -> None:
        self.bus.publish(self._message(ctx, method, kwargs), self.bus.names.fanout(self.topic),
                         self.topic)


def _compatible(have: str, want: str) -> bool:
    h_major, h_minor = (int(x) for x in have.split("."))
    w_major, w_minor = (int(x) for x in want.split("."))
    return h_major == w_major and h_minor >= w_minor


class RpcServer:
    """Consumes a topic's shared queue, its host queue and its fanout; dispatches to ``endpoint``.

    ``endpoint.RPC_VERSION`` says which message versions it accepts and ``endpoint.RPC_METHODS``
    which methods the bus may call: nothing else (not ``stop``, not a step of the work).
    """

    def __init__(self, bus: Bus, topic: str, host: str, endpoint: object, workers: int) -> None:
        self.bus = bus
        self.topic = topic
        self.host = host
        self.endpoint = endpoint
        self.version = str(getattr(endpoint, "RPC_VERSION", "1.0"))
        self.methods = frozenset(getattr(endpoint, "RPC_METHODS", ()))
        if not self.methods:
            raise TypeError(f"{type(endpoint).__name__} declares no RPC_METHODS")
        self.workers = max(1, workers)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _queues(self, primary: bool) -> list[Queue]:
        names = self.bus.names
        # Every worker competes for the topic's and the host's requests; one also takes the
        # fanout, which would otherwise arrive once per worker.
        queues = [names.work_queue(names.queue(self.topic), self.topic),
                  names.work_queue(names.queue(self.topic, self.host),
                                   f"{self.topic}.{self.host}")]
        if primary:
            queues.append(Queue(names.queue(self.topic, "fanout", uuid.uuid4().hex[:12]),
                                exchange=names.fanout(self.topic), routing_key=self.topic,
                                durable=False, auto_delete=True, exclusive=False))
        return queues

    def start(self) -> None:
        for index in range(self.workers):
            ready = threading.Event()
            thread = threading.Thread(target=self._loop, args=(index == 0, ready),
                                      name=f"rpc-{self.topic}-{index}", daemon=True)
            thread.start()
            ready.wait(10)
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)

    def _loop(self, primary: bool, ready: threading.Event) -> None:
        while not self._stop.is_set():
            try:
                with self.bus.connection() as conn:
                    queues = self._queues(primary)
                    # Declared, the queues keep whatever is cast from now on: that is all
                    # ``start`` waits for. Consuming may deliver a message at once, and its
                    # handler may wait for the endpoint's recovery, which starts only after.
                    for queue in queues:
                        queue(conn.default_channel).declare()
                    ready.set()
                    with conn.Consumer(queues, callbacks=[self._on_message], accept=["json"],
                                       prefetch_count=1):
                        self._drain(conn)
            except Exception:
                if self._stop.is_set():
                    return
                LOG.exception("rpc server %s lost its connection; reconnecting", self.topic)
                time.sleep(0.5)

    def _drain(self, conn: Connection) -> None:
        while not self._stop.is_set():
            try:
                conn.drain_events(timeout=0.5)
            except TimeoutError:
                continue

    def _on_message(self, body: Any, message: Any) -> None:
        # Acknowledged only once handled: a crash in between leaves it for the next consumer.
        try:
            self._handle(body)
        finally:
            message.ack()

    def _handle(self, body: Any) -> None:
        data = json.loads(body) if isinstance(body, str | bytes) else body
        reply: dict[str, Any]
        method = str(data.get("method", ""))
        try:
            func = self._resolve(method, str(data.get("version", "1.0")))
            result = func(data.get("context") or {}, **(data.get("args") or {}))
            reply = {"result": result}
        except NimbusError as exc:
            reply = {"error": exc.to_dict()}
        except Exception as exc:  # the caller gets a clean error; the traceback stays here
            LOG.exception("rpc %s.%s failed", self.topic, method)
            reply = {"error": NimbusError(f"{type(exc).__name__} in {self.topic}.{method}").to_dict()}
        if data.get("reply_to"):
            reply["correlation_id"] = data.get("correlation_id")
            try:
                self.bus.publish(reply, self.bus.names.rpc, data["reply_to"])
            except Exception:
                LOG.exception("could not reply to %s", data.get("reply_to"))

    def _resolve(self, method: str, version: str) -> Callable[..., Any]:
        if not _compatible(self.version, version):
            raise NimbusError(f"{self.topic} speaks RPC {self.version}, not {version}")
        if method not in self.methods or not hasattr(self.endpoint, method):
            raise NimbusError(f"{self.topic} has no RPC method {method}")
        func = getattr(self.endpoint, method)
        if not callable(func):
            raise NimbusError(f"{self.topic} has no RPC method {method}")
        return func  # type: ignore[no-any-return]
