"""A backend that keeps volumes in memory: every operation succeeds, at once or (``delay``, the
``volume.fake_delay`` setting) after that many seconds, so that a crash can catch work in flight.
Running an operation again is harmless, so a create a crash cut short is resumed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from nimbus.volume.drivers.base import ModelUpdate, Volume, VolumeDriver
from nimbus.volume.errors import VolumeBackendError


class FakeDriver(VolumeDriver):
    backend_name = "fake"
    storage_protocol = "fake"
    supports_multiattach = True
    thin_provisioning = True
    supports_extend_attached = True
    supports_snapshots = True
    resumable = True

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._lock = threading.Lock()
        # Seconds each create, delete and extend (of a volume or a snapshot) takes.
        self.delay = max(0.0, float(config.get("delay") or 0))
        self.volumes: dict[str, int] = {}
        self.snapshots: dict[str, str] = {}
        self.exports: dict[str, set[str]] = {}
        # Tests set this to a volume name to make its creation fail.
        self.fail_names: set[str] = set(config.get("fail_names", []))

    def _wait(self) -> None:
        if self.delay:
            time.sleep(self.delay)

    def _create(self, volume: Volume) -> ModelUpdate:
        self._wait()
        if volume.get("display_name") in self.fail_names:
            raise VolumeBackendError(reason=f"fake failure for {volume['id']}")
        with self._lock:
            self.volumes[volume["id"]] = int(volume["size"])
        return {"provider_location": f"fake://{volume['name']}"}

    def create_volume(self, volume: Volume) -> ModelUpdate:
        return self._create(volume)

    def create_volume_from_snapshot(self, volume: Volume, snapshot: dict[str, Any]) -> ModelUpdate:
        return self._create(volume)

    def create_cloned_volume(self, volume: Volume, source: Volume) -> ModelUpdate:
        return self._create(volume)

    def delete_volume(self, volume: Volume) -> None:
        self._wait()
        with self._lock:
            self.volumes.pop(volume["id"], None)
            self.exports.pop(volume["id"], None)

    def extend_volume(self, volume: Volume, new_size: int) -> None:
        self._wait()
        with self._lock:
            self.volumes[volume["id"]] = new_size

    def revert_to_snapshot(self, volume: Volume, snapshot: dict[str, Any]) -> None:
        self._wait()
        if volume.get("display_name") in self.fail_names:
            raise VolumeBackendError(reason=f"fake failure for {volume['id']}")
        with self._lock:
            if self.snapshots.get(snapshot["id"]) != volume["id"]:
                raise VolumeBackendError(reason=f"no snapshot {snapshot['id']} here")

    def copy_volume_to_image(self, volume: Volume, disk_format: str) -> Iterator[bytes]:
        """A fake volume holds no data: its image is a short text naming it."""
        self._wait()
        if volume.get("display_name") in self.fail_names:
            raise VolumeBackendError(reason=f"fake failure for {volume['id']}")
        yield f"NIMBUS-FAKE-VOLUME {volume['id']} {volume['size']}G\n".encode()

    def initialize_connection(self, volume: Volume, connector: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.exports.setdefault(volume["id"], set()).add(str(connector.get("host", "")))
        return {
            "driver_volume_type": self.storage_protocol,
            "data": {
                "volume_id": volume["id"],
                "name": volume["name"],
                "size": volume["size"],
                "access_mode": "ro" if volume.get("readonly") else "rw",
                "encrypted": bool(volume.get("encryption")),
                "discard": True,
            },
        }

    def terminate_connection(self, volume: Volume, connector: dict[str, Any] | None) -> None:
        with self._lock:
            hosts = self.exports.get(volume["id"], set())
            if connector is None:
                hosts.clear()
            else:
                hosts.discard(str(connector.get("host", "")))

    def create_snapshot(self, snapshot: dict[str, Any], volume: Volume) -> ModelUpdate:
        self._wait()
        with self._lock:
            self.snapshots[snapshot["id"]] = volume["id"]
        return {}

    def delete_snapshot(self, snapshot: dict[str, Any], volume: Volume) -> None:
        self._wait()
        with self._lock:
            self.snapshots.pop(snapshot["id"], None)


DRIVER = FakeDriver
