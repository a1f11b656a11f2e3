"""A ring device served by a storage node (``nimbus agent object``), reached over HTTP.

The proxy and the other nodes' replicators use it exactly as a local device: a write streams the
body to the node as it arrives (a chunked PUT into the node's ``tmp/``) and commits it under the
version's timestamp with a second request, once the proxy knows the timestamp; a read streams the
node's answer. The node's side is ``storage_node.py``.

A node that does not answer is down: for a few seconds after a failure every call fails at once
(writes and reads go to the other replicas and to handoffs) instead of each waiting for a
connection to time out; then the node is tried again. Every request carries the cloud's storage
node key, so that only the cloud's own processes reach the disks.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import quote, urlencode

import yaml

from nimbus.object.drivers.device import Device, DeviceUnavailable, Version, Writer

KEY_HEADER = "X-Nimbus-Node-Key"
RECORD_HEADER = "X-Nimbus-Record"
# Seconds to wait for a node to accept a connection, and for any one answer.
CONNECT_TIMEOUT = 2.0
IO_TIMEOUT = 30.0
# Seconds a node is held down after a call to it failed.
DOWN_FOR = 3.0
# Seconds an answer to "is the device available" is reused.
AVAILABLE_FOR = 1.0


def node_key(state_dir: Path) -> str:
    """The cloud's storage node key (``secrets.yaml``, shared by a scaled cloud's processes)."""
    try:
        data = yaml.safe_load((state_dir / "secrets.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return ""
    return str(data.get("storage_node_key", ""))


def encode_record(record: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(record).encode()).decode()


def decode_record(value: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(value.encode()))
    return result


class RemoteDevice(Device):
    local = False

    def __init__(self, dev_id: int, name: str, node: str, key: str) -> None:
        self.id = dev_id
        self.name = name
        self.node = node
        self.key = key
        host, _, port = node.rpartition(":")
        self.host, self.port = host.strip("[]") or "127.0.0.1", int(port or 6200)
        self._down_until = 0.0
        self._seen = (-AVAILABLE_FOR, False)
        self._lock = threading.Lock()

    def location(self) -> str:
        return f"{self.node}/{self.name}"

    # -- talking to the node -------------------------------------------------------------

    def connect(self) -> http.client.HTTPConnection:
        if time.monotonic() < self._down_until:
            raise DeviceUnavailable(f"storage node {self.node} is down")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=CONNECT_TIMEOUT)
        try:
            conn.connect()
        except OSError as exc:
            self.failed()
            raise DeviceUnavailable(f"storage node {self.node}: {exc}") from exc
        if conn.sock is not None:
            conn.sock.settimeout(IO_TIMEOUT)
        return conn

    def failed(self) -> None:
        with self._lock:
            self._down_until = time.monotonic() + DOWN_FOR
            self._seen = (time.monotonic(), False)

    def path(self, *parts: object, **query: object) -> str:
        path = "/dev/" + "/".join(quote(str(p), safe="") for p in (self.name, *parts))
        return f"{path}?{urlencode(query)}" if query else path

    def request(self, method: str, path: str, body: Any = None,
                ok: tuple[int, ...] = (200, 201, 204)) -> http.client.HTTPResponse:
        """One request; the response is returned unread when its status is in ``ok`` (the
        caller reads and closes it), 404 is ``FileNotFoundError``, anything else ``OSError``."""
        conn = self.connect()
        try:
            data = None if body is None else json.dumps(body).encode()
            headers = {KEY_HEADER: self.key, "Content-Type": "application/json"}
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            self.failed()
            raise DeviceUnavailable(f"storage node {self.node}: {exc}") from exc
        if resp.status in ok:
            return resp
        detail = resp.read(512).decode(errors="replace")
        conn.close()
        if resp.status == 404:
            raise FileNotFoundError(f"{self.location()}: {detail}")
        raise DeviceUnavailable(f"storage node {self.node} answered {resp.status}: {detail}")

    def call(self, method: str, path: str, body: Any = None) -> Any:
        resp = self.request(method, path, body)
        try:
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.failed()
            raise DeviceUnavailable(f"storage node {self.node}: {exc}") from exc
        finally:
            resp.close()
        return json.loads(data) if data else None

    def quiet(self, method: str, path: str, default: Any) -> Any:
        """A question whose answer may be "not known" when the node is away."""
        try:
            return self.call(method, path)
        except OSError:
            return default

    # -- the device ----------------------------------------------------------------------

    def available(self) -> bool:
        # Asked for every copy the replicator considers: one answer serves for a moment.
        now = time.monotonic()
        if now - self._seen[0] > AVAILABLE_FOR:
            self._seen = (now, bool(self.quiet("GET", self.path(), {}).get("available")))
        return self._seen[1]

    def writer(self, part: int, name_hash: str) -> Writer:
        return RemoteWriter(self, part, name_hash)

    def timestamps(self, part: int, name_hash: str) -> list[str]:
        result: list[str] = self.quiet("GET", self.path("parts", part, name_hash), [])
        return result

    def _state(self, version: Version) -> dict[str, Any]:
        result: dict[str, Any] = self.quiet(
            "GET", self.path("parts", version.part, version.name_hash, version.timestamp,
                             "state"), {})
        return result

    def record(self, version: Version) -> dict[str, Any]:
        state = self.call("GET", self.path("parts", version.part, version.name_hash,
                                           version.timestamp, "state"))
        if not state.get("record"):
            raise FileNotFoundError(f"{self.location()}: {version}")
        return cast(dict[str, Any], state["record"])

    def open(self, version: Version, start: int = 0) -> tuple[IO[bytes], dict[str, Any]]:
        resp = self.request("GET", self.path("parts", version.part, version.name_hash,
                                             version.timestamp, start=start), ok=(200,))
        return cast(IO[bytes], resp), decode_record(resp.headers.get(RECORD_HEADER, ""))

    def has(self, version: Version) -> bool:
        return bool(self._state(version).get("has"))

    def tombstoned(self, version: Version) -> bool:
        return bool(self._state(version).get("tombstoned"))

    def tombstone_age(self, version: Version) -> float:
        return float(self._state(version).get("tombstone_age", 0.0))

    def _version_path(self, version: Version, *more: str, **query: object) -> str:
        return self.path("parts", version.part, version.name_hash, version.timestamp, *more,
                         **query)

    def set_record(self, version: Version, record: dict[str, Any]) -> bool:
        return bool(self.call("PUT", self._version_path(version, "record"), record))

    def delete(self, version: Version, tombstone: bool = True) -> None:
        # As a local delete on a device that is away: nothing happens here, and replication
        # spreads the tombstone once the node is back.
        with contextlib.suppress(OSError):
            self.call("DELETE", self._version_path(version, tombstone=int(tombstone)))

    def reclaim(self, version: Version) -> None:
        with contextlib.suppress(OSError):
            self.call("POST", self._version_path(version, "reclaim"))

    def quarantine(self, version: Version) -> None:
        self.call("POST", self._version_path(version, "quarantine"))

    def verify(self, version: Version) -> bool:
        return bool(self.call("POST", self._version_path(version, "verify")))

    def partitions(self) -> list[int]:
        result: list[int] = self.quiet("GET", self.path("parts"), [])
        return result

    def versions(self, part: int) -> Iterator[Version]:
        for name_hash, timestamp in self.quiet("GET", self.path("parts", part), []):
            yield Version(part, name_hash, timestamp)

    def forget_partition(self, part: int) -> None:
        with contextlib.suppress(OSError):
            self.call("DELETE", self.path("parts", part))

    def discard_partial(self, older_than: float) -> int:
        return 0  # each node sweeps its own tmp/


class RemoteWriter(Writer):
    """A chunked PUT kept open while the proxy receives the body, then a commit request."""

    def __init__(self, device: RemoteDevice, part: int, name_hash: str) -> None:
        self.device = device
        self.remote = device
        self.upload = uuid.uuid4().hex
        self.conn = device.connect()
        self.sent = False
        try:
            self.conn.putrequest("PUT", device.path("uploads", self.upload, part=part,
                                                    hash=name_hash))
            self.conn.putheader(KEY_HEADER, device.key)
            self.conn.putheader("Transfer-Encoding", "chunked")
            self.conn.endheaders()
        except (OSError, http.client.HTTPException) as exc:
            self._broken(exc)

    def _broken(self, exc: BaseException) -> None:
        self.conn.close()
        self.remote.failed()
        raise DeviceUnavailable(f"storage node {self.remote.node}: {exc}") from exc

    def write(self, chunk: bytes) -> None:
        if not chunk:
            return
        try:
            self.conn.send(b"%x\r\n%b\r\n" % (len(chunk), chunk))
        except OSError as exc:
            self._broken(exc)

    def commit(self, timestamp: str, record: dict[str, Any]) -> None:
        try:
            self.conn.send(b"0\r\n\r\n")
            resp = self.conn.getresponse()
            resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self._broken(exc)
        finally:
            self.conn.close()
        self.sent = True
        if resp.status != 201:
            raise DeviceUnavailable(f"storage node {self.remote.node} refused the upload: "
                                    f"{resp.status}")
        self.remote.call("POST", self.remote.path("uploads", self.upload, "commit"),
                         {"timestamp": timestamp, "record": record})

    def abort(self) -> None:
        self.conn.close()
        if self.sent:
            with contextlib.suppress(OSError):
                self.remote.call("DELETE", self.remote.path("uploads", self.upload))
