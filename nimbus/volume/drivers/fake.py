"""A backend that keeps volumes in memory: every operation succeeds at once."""

from __future__ import annotations

import threading
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

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._lock = threading.Lock()
        self.volumes: dict[str, int] = {}
        self.snapshots: dict[str, str] = {}
        self.exports: dict[str, set[str]] = {}
        # Tests set this to a volume name to make its creation fail.
        self.fail_names: set[str] = set(config.get("fail_names", []))

    def _create(self, volume: Volume) -> ModelUpdate:
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
        with self._lock:
            self.volumes.pop(volume["id"], None)
            self.exports.pop(volume["id"], None)

    def extend_volume(self, volume: Volume, new_size: int) -> None:
        with self._lock:
            self.volumes[volume["id"]] = new_size

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
                "encrypted": False,
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
        with self._lock:
            self.snapshots[snapshot["id"]] = volume["id"]
        return {}

    def delete_snapshot(self, snapshot: dict[str, Any], volume: Volume) -> None:
        with self._lock:
            self.snapshots.pop(snapshot["id"], None)


DRIVER = FakeDriver
