"""The metadata service at 169.254.169.254, for guests behind a router.

Each router's NAT table redirects ``169.254.169.254:80`` to port 9697 of the router's own
namespace (``routers.nat_rules``), where a listener made by a thread that entered the namespace
waits; this process serves it. A request is from the fixed address of a port on one of the
router's networks: its device is the guest, its project the guest's. It goes on to compute's
metadata API with ``X-Instance-ID``, ``X-Tenant-ID`` and ``X-Instance-ID-Signature`` (HMAC of
the id with the shared secret), as Neutron's metadata agent does for Nova; compute answers
only a signature it can check, so nothing here can ask for another guest's data.
"""

from __future__ import annotations

import contextlib
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
# (router id, the guest's address) -> (instance id, project id), or None when unknown.
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
        found = self.server.lookup(self.server.router_id, self.client_address[0])
        if found is None:
            self._reply(404, b"No server has this address behind this router.\n", "text/plain")
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

    def __init__(self, sock: socket.socket, router_id: str, lookup: Lookup, compute_url: str,
                 secret: str) -> None:
        super().__init__(("0.0.0.0", PORT), _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.router_id = router_id
        self.lookup = lookup
        self.compute_url = compute_url
        self.secret = secret


class MetadataProxies:
    """One listener per router namespace, started and stopped as routers come and go."""

    def __init__(self, lookup: Lookup, compute_url: str, secret: str) -> None:
        self.lookup = lookup
        self.compute_url = compute_url.rstrip("/")
        self.secret = secret
        self._servers: dict[str, _Server] = {}

    def converge(self, namespaces: dict[str, str]) -> None:
        """``namespaces``: router id -> its namespace, for every router that should serve."""
        for router_id in sorted(set(self._servers) - set(namespaces)):
            self._stop(router_id)
        for router_id, ns in namespaces.items():
            if router_id not in self._servers:
                try:
                    sock = run_in(ns, lambda: socket.create_server(("0.0.0.0", PORT)))
                except OSError as exc:
                    LOG.warning("metadata proxy for router %s: %s", router_id, exc)
                    continue
                server = _Server(sock, router_id, self.lookup, self.compute_url, self.secret)
                threading.Thread(target=server.serve_forever, daemon=True,
                                 name=f"metadata-{router_id[:8]}").start()
                self._servers[router_id] = server

    def _stop(self, router_id: str) -> None:
        server = self._servers.pop(router_id)
        with contextlib.suppress(OSError):
            server.shutdown()
            server.server_close()

    def stop(self) -> None:
        for router_id in list(self._servers):
            self._stop(router_id)
