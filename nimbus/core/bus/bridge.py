"""The in-memory bus reached from the API worker processes of an embedded cloud.

An embedded cloud's bus lives in the memory of its first process, where the scheduler, the
agents and the engines consume it. Its other API processes (``--workers``) reach it through a
Unix socket in the state directory (private to the cloud's owner, like everything there): they
send what they publish, and ask for the messages of their reply queue, which the first process
consumes on their behalf and forwards. A worker never serves RPC itself: background work runs
once, in the first process.

Frames are a 4-byte length and a msgpack list: ``["pub", exchange, routing_key, payload, queue,
props]`` and ``["sub", queue, exchange, routing_key]`` from a worker, ``["msg", queue, payload]``
back to it. Payloads stay the JSON text the bus would carry, so nothing here decodes them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack
from kombu import Exchange, Queue

from nimbus.core.bus.rpc import Bus, Names, RpcServer

LOG = logging.getLogger(__name__)
_HEADER = struct.Struct("!I")
# The longest path a Unix socket address holds (Linux's sun_path, less its NUL).
_MAX_PATH = 107


def socket_path(state_dir: Path) -> Path:
    """This process's bridge socket. Named for the process: two first processes may share a
    state dir (a second API node of the same cloud, each with its own bus), and neither may
    take the other's workers. Sockets of processes that are gone are removed here."""
    for old in state_dir.glob("bus-*.sock"):
        pid = old.name[len("bus-"):-len(".sock")]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            with contextlib.suppress(OSError):
                old.unlink()
    return state_dir / f"bus-{os.getpid()}.sock"


def _read_exact(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def read_frame(sock: socket.socket) -> list[Any] | None:
    header = _read_exact(sock, _HEADER.size)
    if header is None:
        return None
    body = _read_exact(sock, _HEADER.unpack(header)[0])
    return None if body is None else list(msgpack.unpackb(body))


def frame(*parts: Any) -> bytes:
    body = msgpack.packb(list(parts))
    return _HEADER.pack(len(body)) + body


def _exchange(spec: list[Any]) -> Exchange:
    name, kind, durable = spec
    return Exchange(name, type=kind, durable=bool(durable))


def _exchange_spec(exchange: Exchange) -> list[Any]:
    return [exchange.name, exchange.type, bool(exchange.durable)]


# -- the first process's end ------------------------------------------------------------------
class BridgeServer:
    """Relays the workers' messages onto ``bus``, and their reply queues' messages back."""

    def __init__(self, bus: Bus, path: Path) -> None:
        if len(str(path)) > _MAX_PATH:
            raise ValueError(f"the state directory's path is too long for a socket: {path}")
        self.bus = bus
        self.path = path
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []

    def start(self) -> BridgeServer:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        self.path.chmod(0o600)
        listener.listen(64)
        self._listener = listener
        self._spawn(self._accept_loop, "bus-bridge")
        return self

    def _spawn(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._conns.append(conn)
            self._spawn(self._serve, "bus-bridge-conn", conn)

    def _serve(self, conn: socket.socket) -> None:
        send_lock = threading.Lock()
        gone = threading.Event()

        def send(data: bytes) -> None:
            with send_lock:
                conn.sendall(data)

        try:
            while not self._stop.is_set():
                message = read_frame(conn)
                if message is None:
                    return
                if message[0] == "pub":
                    _, exchange, routing_key, payload, queue, props = message
                    ex = _exchange(exchange)
                    self.bus.publish_payload(payload, ex, routing_key,
                                             self._queue(queue, ex) if queue else None,
                                             **(props or {}))
                elif message[0] == "sub":
                    _, name, exchange, routing_key = message
                    self._subscribe(name, _exchange(exchange), routing_key, send, gone)
        except OSError:
            return
        except Exception:
            LOG.exception("bus bridge: a worker's message could not be relayed")
        finally:
            gone.set()
            conn.close()

    @staticmethod
    def _queue(spec: list[Any], exchange: Exchange) -> Queue:
        name, routing_key, durable, auto_delete, arguments = spec
        return Queue(name, exchange=exchange, routing_key=routing_key, durable=durable,
                     auto_delete=auto_delete, queue_arguments=arguments or None)

    def _subscribe(self, name: str, exchange: Exchange, routing_key: str,
                   send: Callable[[bytes], None], gone: threading.Event) -> None:
        """Declare the queue now (what the worker publishes next may be answered at once),
        then forward what arrives on it until the worker goes."""
        queue = Queue(name, exchange=exchange, routing_key=routing_key, durable=False,
                      auto_delete=True)
        conn = self.bus.connection()
        queue(conn.default_channel).declare()

        def forward(body: Any, message: Any) -> None:
            payload = body.decode() if isinstance(body, bytes) else body
            try:
                send(frame("msg", name, payload))
            except OSError:
                gone.set()

        def loop() -> None:
            try:
                with conn.Consumer(queue, callbacks=[forward], accept=["json"], no_ack=True):
                    while not (gone.is_set() or self._stop.is_set()):
                        with contextlib.suppress(TimeoutError):
                            conn.drain_events(timeout=0.5)
            except Exception:
                if not self._stop.is_set():
                    LOG.exception("bus bridge: forwarding %s stopped", name)
            finally:
                with contextlib.suppress(Exception):
                    queue(conn.default_channel).delete()
                conn.release()

        self._spawn(loop, "bus-bridge-sub")

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        # The workers learn that the first process is going (and stop) as they would if it died.
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=2)


# -- a worker's end ---------------------------------------------------------------------------
class BridgedBus(Bus):
    """A ``Bus`` whose messages go through the first process's ``BridgeServer``.

    ``on_lost`` runs when the first process goes away: a worker has nothing to serve without it.
    """

    def __init__(self, path: Path, default_timeout: float = 60.0, namespace: str = "nimbus",
                 on_lost: Callable[[], None] | None = None, connect_timeout: float = 30.0
                 ) -> None:
        self.url = "bridge"
        self.names = Names(namespace, durable=False)
        self.default_timeout = default_timeout
        self._options: dict[str, Any] = {}
        self._reply_queue_name = self.names.queue("reply", uuid.uuid4().hex)
        self._waiters = {}
        self._waiters_lock = threading.Lock()
        self._reply_thread = None
        self._servers: list[RpcServer] = []
        self._stopping = threading.Event()
        self._on_lost = on_lost
        self._send_lock = threading.Lock()
        self._subscribed = False
        self._sock = self._connect(path, connect_timeout)
        self._reader = threading.Thread(target=self._read_loop, name="bus-bridge", daemon=True)
        self._reader.start()

    @staticmethod
    def _connect(path: Path, timeout: float) -> socket.socket:
        deadline = time.monotonic() + timeout
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(path))
                return sock
            except OSError:
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _send(self, data: bytes) -> None:
        with self._send_lock:
            self._sock.sendall(data)

    def _read_loop(self) -> None:
        try:
            while True:
                message = read_frame(self._sock)
                if message is None:
                    break
                if message[0] == "msg" and message[1] == self._reply_queue_name:
                    self._on_reply(message[2], None)
        except OSError:
            pass
        if not self._stopping.is_set() and self._on_lost is not None:
            LOG.warning("the cloud's first process went away; this API worker stops")
            self._on_lost()

    def connection(self) -> Any:
        raise NotImplementedError("an API worker reaches the bus only through its bridge")

    def check(self) -> None:
        return None

    def publish_payload(self, payload: str, exchange: Exchange, routing_key: str,
                        queue: Queue | None = None, **props: Any) -> None:
        spec = None
        if queue is not None:
            spec = [queue.name, queue.routing_key, bool(queue.durable), bool(queue.auto_delete),
                    getattr(queue, "queue_arguments", None) or {}]
        self._send(frame("pub", _exchange_spec(exchange), routing_key, payload, spec, props))

    def _ensure_reply_consumer(self) -> None:
        with self._waiters_lock:
            if self._subscribed:
                return
            self._subscribed = True
        self._send(frame("sub", self._reply_queue_name, _exchange_spec(self.names.rpc),
                         self._reply_queue_name))

    def serve(self, topic: str, host: str, endpoint: object, workers: int = 1) -> RpcServer:
        raise NotImplementedError(f"an API worker serves no RPC topic ({topic}): background "
                                  "work runs in the cloud's first process")

    def close(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
