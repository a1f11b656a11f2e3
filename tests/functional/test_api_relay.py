"""The APIs answer from inside the cloud's ext namespace, through the network agent's relay,
and nowhere else in it. Needs root and iproute2 (CI has both)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nimbus.core.netns import run_in
from nimbus.network.agent.api_relay import ApiRelay
from nimbus.network.drivers.linux.ip import Ip
from nimbus.network.drivers.linux.names import Namespaces

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("ip") is None,
                                reason="network namespaces need root and iproute2")
BIG = bytes(range(256)) * 4096  # 1 MiB: more than one read of the relay's either way


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._answer(BIG if self.path == "/big" else b"api here")

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        self._answer(self.rfile.read(int(self.headers["Content-Length"])))

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def ext() -> Iterator[tuple[Ip, str]]:
    ip = Ip(Namespaces(f"nimbus-t{uuid.uuid4().hex[:8]}"))
    ns = ip.namespaces.ext
    ip.add_namespace(ns)
    yield ip, ns
    ip.delete_namespace(ns)


def _get_inside(ns: str, url: str, body: bytes | None = None) -> bytes:
    def fetch() -> bytes:
        with urllib.request.urlopen(url, data=body, timeout=10) as resp:
            return bytes(resp.read())

    return run_in(ns, fetch)


def test_the_api_answers_inside_ext_only_while_relayed(api: int, ext: tuple[Ip, str]) -> None:
    ip, ns = ext
    url = f"http://127.0.0.1:{api}"
    with pytest.raises(OSError):  # the namespace's own loopback has nothing there
        _get_inside(ns, url + "/")
    relay = ApiRelay(ip, url)
    relay.ensure(ns)
    try:
        assert _get_inside(ns, url + "/") == b"api here"
        assert _get_inside(ns, url + "/big") == BIG
        assert _get_inside(ns, url + "/echo", body=BIG) == BIG
        # Several clients at once, each with its own connection.
        results: list[bytes] = []
        threads = [threading.Thread(target=lambda: results.append(_get_inside(ns, url + "/")))
                   for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert results == [b"api here"] * 8
        relay.ensure(ns)  # idempotent: still the one listener
        assert _get_inside(ns, url + "/") == b"api here"
    finally:
        relay.stop()
    with pytest.raises(OSError):
        _get_inside(ns, url + "/")


def test_an_api_down_closes_the_relayed_connection(ext: tuple[Ip, str]) -> None:
    ip, ns = ext
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    relay = ApiRelay(ip, f"http://127.0.0.1:{port}")
    relay.ensure(ns)
    try:
        with pytest.raises(OSError):
            _get_inside(ns, f"http://127.0.0.1:{port}/")
    finally:
        relay.stop()
