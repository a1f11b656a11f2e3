"""A storage node: the ring devices of this host served over HTTP, as Swift's object servers.

``nimbus agent object --object-node HOST:PORT`` runs one. It serves the ring's devices whose
``node`` is that address (their files under each device's path, or ``objects/<name>`` in the
state dir) to the proxies and to the other nodes' replicators, which reach it through
``remote_device.RemoteDevice``. It holds no index and no account state: that is the proxy's
database. Requests without the cloud's storage node key are refused.

An upload is a chunked PUT into the device's ``tmp/`` followed by a commit naming its timestamp;
an upload never committed is dropped after ``UPLOAD_TTL`` seconds.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from nimbus.object.drivers.base import CHUNK_SIZE
from nimbus.object.drivers.device import Device, Version, Writer
from nimbus.object.drivers.remote_device import KEY_HEADER, RECORD_HEADER, encode_record

LOG = logging.getLogger(__name__)
# Seconds an upload may wait for its commit (a proxy that died between the two).
UPLOAD_TTL = 600.0

Handler = Callable[[Request], Awaitable[Response]]


class StorageNodeApp:
    def __init__(self, devices: Callable[[], dict[int, Device]], key: str) -> None:
        self._devices = devices
        self.key = key
        self._uploads: dict[str, tuple[float, Writer]] = {}
        self._lock = threading.Lock()
        routes = [
            Route("/health", self.health),
            Route("/dev/{dev}", self.device_state),
            Route("/dev/{dev}/parts", self.partitions),
            Route("/dev/{dev}/parts/{part:int}", self.partition, methods=["GET", "DELETE"]),
            Route("/dev/{dev}/parts/{part:int}/{hash}", self.timestamps),
            Route("/dev/{dev}/parts/{part:int}/{hash}/{ts}", self.version,
                  methods=["GET", "DELETE"]),
            Route("/dev/{dev}/parts/{part:int}/{hash}/{ts}/{action}", self.version_action,
                  methods=["GET", "PUT", "POST"]),
            Route("/dev/{dev}/uploads/{upload}", self.upload, methods=["PUT", "DELETE"]),
            Route("/dev/{dev}/uploads/{upload}/commit", self.commit, methods=["POST"]),
        ]
        self.app = Starlette(routes=routes)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            given = headers.get(KEY_HEADER.lower().encode(), b"").decode(errors="replace")
            if not self.key or not hmac.compare_digest(given, self.key):
                await JSONResponse({"error": "not a process of this cloud"},
                                   status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    # -- lookups -------------------------------------------------------------------------

    def device(self, request: Request) -> Device:
        name = request.path_params["dev"]
        for device in self._devices().values():
            if device.local and device.name == name:
                return device
        raise LookupError(name)

    @staticmethod
    def version_of(request: Request) -> Version:
        params = request.path_params
        return Version(params["part"], params["hash"], params["ts"])

    # -- handlers ------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        devices = [{"name": d.name, "available": d.available()}
                   for d in self._devices().values() if d.local]
        return JSONResponse({"devices": devices})

    async def device_state(self, request: Request) -> Response:
        return _json(await _run(lambda: {"available": self.device(request).available()}))

    async def partitions(self, request: Request) -> Response:
        return _json(await _run(lambda: self.device(request).partitions()))

    async def partition(self, request: Request) -> Response:
        part = request.path_params["part"]

        def work() -> Any:
            device = self.device(request)
            if request.method == "DELETE":
                device.forget_partition(part)
                return None
            return [[v.name_hash, v.timestamp] for v in device.versions(part)]
        return _json(await _run(work))

    async def timestamps(self, request: Request) -> Response:
        params = request.path_params
        return _json(await _run(
            lambda: self.device(request).timestamps(params["part"], params["hash"])))

    async def version(self, request: Request) -> Response:
        version = self.version_of(request)
        if request.method == "DELETE":
            tombstone = request.query_params.get("tombstone", "1") == "1"
            return _json(await _run(lambda: self.device(request).delete(version, tombstone)))
        start = int(request.query_params.get("start", "0"))
        try:
            fh, record = await run_in_threadpool(self.device(request).open, version, start)
        except (LookupError, FileNotFoundError):
            return JSONResponse({"error": "not here"}, status_code=404)
        except (OSError, ValueError, KeyError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)

        def chunks() -> Iterator[bytes]:
            with fh:
                while chunk := fh.read(CHUNK_SIZE):
                    yield chunk
        return StreamingResponse(chunks(), media_type="application/octet-stream",
                                 headers={RECORD_HEADER: encode_record(record)})

    async def version_action(self, request: Request) -> Response:
        version = self.version_of(request)
        action = request.path_params["action"]
        body = await _body(request) if request.method == "PUT" else None
        if request.method == "PUT" and not isinstance(body, dict):
            return JSONResponse({"error": "a JSON object is expected"}, status_code=400)

        def work() -> Any:
            device = self.device(request)
            if action == "state":
                has = device.has(version)
                return {"has": has, "tombstoned": device.tombstoned(version),
                        "tombstone_age": device.tombstone_age(version),
                        "record": device.record(version) if has else None}
            if action == "record":
                return device.set_record(version, body or {})
            if action == "reclaim":
                return device.reclaim(version)
            if action == "quarantine":
                return device.quarantine(version)
            if action == "verify":
                return device.verify(version)
            raise LookupError(action)
        return _json(await _run(work))

    async def upload(self, request: Request) -> Response:
        upload = request.path_params["upload"]
        if request.method == "DELETE":
            self._drop(upload)
            return Response(status_code=204)
        try:
            part = int(request.query_params["part"])
            name_hash = request.query_params["hash"]
            writer = await run_in_threadpool(self.device(request).writer, part, name_hash)
        except (LookupError, ValueError):
            return JSONResponse({"error": "no such device or partition"}, status_code=404)
        except OSError as exc:
            return JSONResponse({"error": str(exc)}, status_code=507)
        try:
            async for chunk in request.stream():
                writer.write(chunk)
        except (ClientDisconnect, OSError) as exc:
            writer.abort()
            LOG.info("upload %s to %s stopped: %s", upload, request.path_params["dev"], exc)
            return JSONResponse({"error": "upload stopped"}, status_code=499)
        with self._lock:
            self._expire()
            self._uploads[upload] = (time.monotonic(), writer)
        return Response(status_code=201)

    async def commit(self, request: Request) -> Response:
        body = await _body(request)
        if not isinstance(body, dict) or not isinstance(body.get("record"), dict) or \
                "timestamp" not in body:
            return JSONResponse({"error": "timestamp and record are expected"}, status_code=400)
        with self._lock:
            _, writer = self._uploads.pop(request.path_params["upload"], (0.0, None))
        if writer is None:
            return JSONResponse({"error": "no such upload"}, status_code=404)
        try:
            await run_in_threadpool(writer.commit, str(body["timestamp"]), body["record"])
        except OSError as exc:
            writer.abort()
            return JSONResponse({"error": str(exc)}, status_code=507)
        return Response(status_code=201)

    def _drop(self, upload: str) -> None:
        with self._lock:
            _, writer = self._uploads.pop(upload, (0.0, None))
        if writer is not None:
            writer.abort()

    def _expire(self) -> None:
        now = time.monotonic()
        for upload, (since, writer) in list(self._uploads.items()):
            if now - since > UPLOAD_TTL:
                del self._uploads[upload]
                writer.abort()


async def _body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


async def _run(work: Callable[[], Any]) -> Any:
    return await run_in_threadpool(_answer, work)


def _answer(work: Callable[[], Any]) -> Any:
    try:
        return work()
    except (LookupError, FileNotFoundError):
        return _Failed(404, "not here")
    except (OSError, ValueError) as exc:
        # The disk failed: the caller treats the device as away for this request.
        return _Failed(503, str(exc))


class _Failed:
    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason


def _json(value: Any) -> Response:
    if isinstance(value, _Failed):
        return JSONResponse({"error": value.reason}, status_code=value.status)
    return JSONResponse(value)


class StorageNode:
    """The node's HTTP server on a thread of the agent; ``stop`` ends it."""

    def __init__(self, devices: Callable[[], dict[int, Device]], address: str,
                 key: str) -> None:
        import uvicorn

        host, _, port = address.rpartition(":")
        self.address = address
        app = StorageNodeApp(devices, key)
        config = uvicorn.Config(app, host=host.strip("[]") or "127.0.0.1", port=int(port),
                                log_level="warning", lifespan="off", access_log=False,
                                timeout_keep_alive=30)
        # Run on a thread, uvicorn leaves the signals to the agent's main thread.
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name="storage-node",
                                        daemon=True)

    def start(self) -> StorageNode:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and self._thread.is_alive() and \
                time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.server.started:
            raise RuntimeError(f"the storage node could not listen on {self.address}")
        LOG.info("storage node serving on %s", self.address)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
