"""The metadata service at 169.254.169.254, for guests behind a router and on networks no
router serves.

Each router's NAT table redirects ``169.254.169.254:80`` to port 9697 of the router's own
namespace (``routers.nat_rules``), where a listener made by a thread that entered the namespace
waits; this process serves it. A request is from the fixed address of a port on one of the
router's networks: its device is the guest, its project the guest's. It goes on to compute's
metadata API with ``X-Instance-ID``, ``X-Tenant-ID`` and ``X-Instance-ID-Signature`` (HMAC of
the id with the shared secret), as Neutron's metadata agent does for Nova; compute answers
only a signature it can check, so nothing here can ask for another guest's data.

A network no router serves has its DHCP namespace hold 169.254.169.254 itself (DHCP tells its
guests the route there), and a listener on port 80 of that address; there, a request is from a
port of that network.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from nimbus.core.metadata_signing import signature
from nimbus.core.netns import run_in

LOG = logging.getLogger(__name__)
PORT = 9697
MAX_BODY = 65536
# (what serves: "router:<id>" or "network:<id>", the guest's address) -> (instance id,
# project id), or None when unknown.
Lookup = Callable[[str, str], "tuple[str, str] | None"]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._forward("GET", None)

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        # What a guest posts: its encrypted password (small; compute bounds it).
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        self._forward("POST", self.rfile.read(length))

    def _forward(self, method: str, body: bytes | None) -> None:
        found = self.server.lookup(self.server.key, self.client_address[0])
        if found is None:
            self._reply(404, b"No server has this address here.\n", "text/plain")
            return
        instance_id, project_id = found
        path = self.path.lstrip("/")
        try:
            answer = requests.request(
                method, f"{self.server.compute_url}/metadata/{path}", data=body, timeout=10,
                headers={
                    "X-Instance-ID": instance_id, "X-Tenant-ID": project_id,
                    "X-Instance-ID-Signature": signature(self.server.secret, instance_id),
                    "X-Forwarded-For": self.client_address[0]})
        except requests.RequestException as exc:
            LOG.warning("metadata for %s: compute did not answer: %s", instance_id, exc)
            self._reply(502, b"The metadata service is not reachable.\n", "text/plain")
            return
        self._reply(answer.status_code, answer.content,
                    answer.headers.get("Content-Type", "text/plain"))

    def _reply(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        LOG.debug("metadata proxy: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sock: socket.socket, key: str, lookup: Lookup, compute_url: str,
                 secret: str) -> None:
        super().__init__(("0.0.0.0", PORT), _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.key = key
        self.lookup = lookup
        self.compute_url = compute_url
        self.secret = secret


class MetadataProxies:
    """One listener per router namespace and per isolated network's DHCP namespace, started and
    stopped as they come and go."""

    def __init__(self, lookup: Lookup, compute_url: str, secret: str) -> None:
        self.lookup = lookup
        self.compute_url = compute_url.rstrip("/")
        self.secret = secret
        self._servers: dict[str, _Server] = {}

    def converge(self, listeners: dict[str, tuple[str, str, int]]) -> None:
        """``listeners``: key ("router:<id>", "network:<id>") -> (namespace, address, port),
        for everything that should serve."""
        for key in sorted(set(self._servers) - set(listeners)):
            self._stop(key)
        for key, (ns, address, port) in listeners.items():
            if key not in self._servers:
                try:
                    sock = run_in(ns, functools.partial(socket.create_server, (address, port)))
                except OSError as exc:
                    LOG.warning("metadata proxy for %s: %s", key, exc)
                    continue
                server = _Server(sock, key, self.lookup, self.compute_url, self.secret)
                threading.Thread(target=server.serve_forever, daemon=True,
                                 name=f"metadata-{key[:15]}").start()
                self._servers[key] = server

    def _stop(self, key: str) -> None:
        server = self._servers.pop(key)
        with contextlib.suppress(OSError):
            server.shutdown()
            server.server_close()

    def stop(self) -> None:
        for router_id in list(self._servers):
            self._stop(router_id)
