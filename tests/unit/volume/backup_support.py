"""What the backup tests share: an in-memory object store in place of the object service, and a
client that makes, waits for and restores backups."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from nimbus.core.bus.rpc import RpcServer
from nimbus.core.errors import NotFound, ServiceUnavailable
from nimbus.volume.agent import VolumeAgent
from nimbus.volume.agent.backup_ops import BackupOps
from nimbus.volume.agent.backup_store import ChunkStore
from nimbus.volume.drivers.fake import FakeDriver

# Small chunks keep the tests' volumes (1 GiB, nearly all zeros) quick to walk.
CHUNK = 1024 * 1024
LATEST = {"OpenStack-API-Version": "volume 3.64"}


class MemoryObjects:
    """The object service as the backup work uses it, in memory; ``failing`` makes every
    write refused, as an object service that is down."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.failing = False
        self._lock = threading.Lock()

    def _up(self) -> None:
        if self.failing:
            raise ServiceUnavailable(reason="The object-store service is unavailable.")

    def ensure_container(self, container: str) -> None:
        self._up()

    def put_object(self, container: str, name: str, chunks: Iterable[bytes],
                   content_type: str = "application/octet-stream") -> dict[str, str]:
        self._up()
        with self._lock:
            self.objects[(container, name)] = b"".join(chunks)
        return {}

    def get_object(self, container: str, name: str,
                   byte_range: tuple[int, int | None] | None = None) -> Iterator[bytes]:
        with self._lock:
            body = self.objects.get((container, name))
        if body is None:
            raise NotFound(resource="object", id=name)
        return iter([body])

    def delete_object(self, container: str, name: str) -> None:
        self._up()
        with self._lock:
            self.objects.pop((container, name), None)

    def list_objects(self, container: str, prefix: str = "") -> list[str]:
        self._up()
        with self._lock:
            return sorted(n for c, n in self.objects if c == container and n.startswith(prefix))

    def under(self, prefix: str) -> list[str]:
        with self._lock:
            return sorted(n for _, n in self.objects if n.startswith(prefix + "/"))


class Backups:
    """The backup side of a volume test cloud: the agent's fake driver, its object store."""

    def __init__(self, vol: Any) -> None:
        self.vol = vol
        server = next(w for w in vol.cloud.runtimes["volume"].workers
                      if isinstance(w, RpcServer) and isinstance(w.endpoint, VolumeAgent))
        self.driver: FakeDriver = server.endpoint.driver
        self.ops: BackupOps = server.endpoint.backups
        self.objects = MemoryObjects()
        self.ops.store = ChunkStore(self.objects, CHUNK)
        self.ops.chunk_size = CHUNK

    def api(self, persona: str = "member") -> Any:
        return self.vol.as_(persona)

    def create(self, volume_id: str, persona: str = "member", wait: str | None = "available",
               headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
        resp = self.api(persona).post("/v3/backups", headers=headers or LATEST,
                                      json={"backup": {"volume_id": volume_id, **fields}})
        assert resp.status_code == 202, resp.text
        body = dict(resp.json()["backup"])
        return self.wait(body["id"], wait) if wait else body

    def show(self, backup_id: str, persona: str = "admin") -> Any:
        return self.api(persona).get(f"/v3/backups/{backup_id}", headers=LATEST)

    def wait(self, backup_id: str, status: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            resp = self.show(backup_id)
            if status == "deleted" and resp.status_code == 404:
                return {}
            body = resp.json().get("backup", {})
            if body.get("status") == status:
                return body
            time.sleep(0.02)
        raise AssertionError(f"backup {backup_id} never reached {status}: {body}")

    def restore(self, backup_id: str, persona: str = "member",
                **fields: Any) -> dict[str, Any]:
        resp = self.api(persona).post(f"/v3/backups/{backup_id}/restore",
                                      json={"restore": fields})
        assert resp.status_code == 202, resp.text
        done = dict(resp.json()["restore"])
        self.wait(backup_id, "available")
        self.vol.wait(done["volume_id"], "available")
        return done

    def volume_with(self, writes: dict[int, bytes], persona: str = "member",
                    **volume: Any) -> str:
        volume_id = str(self.vol.create(persona, **volume)["id"])
        for offset, data in writes.items():
            self.driver.write(volume_id, offset, data)
        return volume_id

    def data(self, volume_id: str) -> dict[int, bytes]:
        """The volume's written pages (the rest is zeros): equal maps, equal bytes."""
        with self.driver._lock:
            return dict(self.driver.data.get(volume_id, {}))
