"""The cloud's APIs, seen from inside its ``ext`` namespace.

Whatever must reach guests runs in ``ext`` (``nimbus netns exec``): an SSH client, tempest.
Such a tool also talks to the APIs, which listen in the machine's own namespace, out of reach
from there. So the agent listens in ``ext`` on the very address and port of the public URL
(a listening socket made by a thread that entered the namespace stays in it) and carries each
connection, byte for byte, to the API in the machine's namespace. The URLs of ``clouds.yaml``
and of the catalog then work unchanged on both sides. Nothing is routed between the two
namespaces: only this process holds a socket in each.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
from urllib.parse import urlsplit

from nimbus.core.netns import run_in
from nimbus.network.drivers.linux.ip import Ip

LOG = logging.getLogger(__name__)
CHUNK = 65536


class ApiRelay:
    def __init__(self, ip: Ip, api_url: str) -> None:
        parts = urlsplit(api_url)
        self.ip = ip
        self.host = socket.gethostbyname(parts.hostname or "127.0.0.1")
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self._listener: socket.socket | None = None
        self._ns = ""

    @property
    def serving(self) -> bool:
        return self._listener is not None

    def ensure(self, ns: str) -> None:
        """Listen in ``ns`` unless already listening there."""
        if self._listener is not None and self._ns == ns:
            return
        self.stop()
        try:
            listener = run_in(ns, self._listen)
        except OSError as exc:
            if exc.errno != errno.EADDRNOTAVAIL:
                raise
            # The API is announced on an address of the machine (not loopback): the namespace
            # gets that address on its own loopback, so its clients find the same URL.
            self.ip.run(ns, "addr", "add", f"{self.host}/32", "dev", "lo")
            listener = run_in(ns, self._listen)
        self._listener, self._ns = listener, ns
        threading.Thread(target=self._accept, args=(listener,), daemon=True,
                         name="api-relay").start()
        LOG.info("the APIs at %s:%d are reachable from namespace %s", self.host, self.port, ns)

    def _listen(self) -> socket.socket:
        return socket.create_server((self.host, self.port), backlog=64)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                inside, _ = listener.accept()
            except OSError:  # closed by stop()
                return
            threading.Thread(target=self._carry, args=(inside,), daemon=True,
                             name="api-relay-conn").start()

    def _carry(self, inside: socket.socket) -> None:
        try:
            # Made by this thread, which is in the machine's namespace: the real API.
            outside = socket.create_connection((self.host, self.port), timeout=10)
        except OSError as exc:
            LOG.warning("API relay: the API at %s:%d does not answer: %s", self.host,
                        self.port, exc)
            inside.close()
            return
        outside.settimeout(None)
        back = threading.Thread(target=_pump, args=(outside, inside), daemon=True,
                                name="api-relay-back")
        back.start()
        _pump(inside, outside)
        back.join()
        inside.close()
        outside.close()

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                # shutdown wakes the thread blocked in accept(); close alone would not.
                self._listener.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener, self._ns = None, ""


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy until ``source`` ends, then pass the end on (half-close), as a proxy must for a
    client that closes its sending side and waits for the answer."""
    try:
        while data := source.recv(CHUNK):
            sink.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
