"""Uploads and downloads are streamed: a large object never sits whole in memory.

These drive the ASGI app directly (the test client buffers request bodies), feeding the body in
chunks from a generator and counting the reply as it arrives, while tracemalloc watches the peak.
"""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Iterator
from typing import Any

import anyio

from nimbus.core.api.app import build_app
from tests.support.personas import token_for
from tests.unit.object.conftest import account

CHUNK = b"0123456789abcdef" * 4096  # 64 KiB, the same object every time
TOTAL = 48 * 1024 * 1024


class Reply:
    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.size = 0
        self.md5 = hashlib.md5()
        self.messages = 0


def call(app: Any, method: str, path: str, headers: dict[str, str],
         body: Iterator[bytes] | None = None, disconnect_early: bool = False) -> Reply:
    reply = Reply()

    async def main() -> None:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        raw.append((b"x-auth-token", token_for("member").encode()))
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "root_path": "", "headers": raw,
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8700)}
        chunks = iter(body or ())
        done = anyio.Event()

        async def receive() -> dict[str, Any]:
            if done.is_set():
                if not disconnect_early:
                    await anyio.sleep_forever()  # a real client stays until the reply ends
                return {"type": "http.disconnect"}
            chunk = next(chunks, None)
            if chunk is None:
                done.set()
                if disconnect_early:
                    return {"type": "http.disconnect"}
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                reply.status = message["status"]
                reply.headers = {k.decode(): v.decode() for k, v in message["headers"]}
            elif message["type"] == "http.response.body":
                reply.size += len(message.get("body", b""))
                reply.md5.update(message.get("body", b""))
                reply.messages += 1

        await app(scope, receive, send)

    anyio.run(main)
    return reply


def _body(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield CHUNK
        sent += len(CHUNK)


def test_large_upload_and_download_stream(make_cloud: Any) -> None:
    cloud, api = make_cloud(["object"], prefix="/object")
    app = build_app(cloud)
    base = f"/object{account()}"
    assert api.as_("member").put(f"{account()}/big").status_code == 201
    expected = hashlib.md5()
    for chunk in _body(TOTAL):
        expected.update(chunk)

    tracemalloc.start()
    try:
        put = call(app, "PUT", f"{base}/big/blob", {"transfer-encoding": "chunked",
                                                    "etag": expected.hexdigest()},
                   _body(TOTAL))
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        got = call(app, "GET", f"{base}/big/blob", {})
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert put.status == 201, put.headers
    assert put.headers["etag"] == expected.hexdigest()
    assert got.status == 200
    assert got.size == TOTAL and got.md5.hexdigest() == expected.hexdigest()
    assert got.messages > 100  # arrived in pieces, not as one body
    assert upload_peak < TOTAL / 8, upload_peak
    assert download_peak < TOTAL / 8, download_peak
    head = api.as_("member").head(f"{account()}/big").headers
    assert head["x-container-bytes-used"] == str(TOTAL)


def test_put_without_length_is_411(make_cloud: Any) -> None:
    cloud, api = make_cloud(["object"], prefix="/object")
    api.as_("member").put(f"{account()}/c")
    reply = call(build_app(cloud), "PUT", f"/object{account()}/c/o", {}, iter([b"abc"]))
    assert reply.status == 411


def test_client_disconnect_stores_nothing(make_cloud: Any) -> None:
    cloud, api = make_cloud(["object"], prefix="/object")
    api.as_("member").put(f"{account()}/c")
    reply = call(build_app(cloud), "PUT", f"/object{account()}/c/o",
                 {"content-length": "1000000"}, iter([CHUNK]), disconnect_early=True)
    assert reply.status == 499
    assert api.as_("member").head(f"{account()}/c/o").status_code == 404
    # No temporary file left: the file driver's, nor any ring device's.
    assert not list((cloud.settings.state_dir / "objects").glob("**/tmp/*"))


def test_short_body_is_499(make_cloud: Any) -> None:
    cloud, api = make_cloud(["object"], prefix="/object")
    api.as_("member").put(f"{account()}/c")
    reply = call(build_app(cloud), "PUT", f"/object{account()}/c/o",
                 {"content-length": "1000000"}, iter([CHUNK]))
    assert reply.status == 499
    assert api.as_("member").head(f"{account()}/c/o").status_code == 404
