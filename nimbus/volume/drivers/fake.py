"""A backend that keeps volumes in memory: every operation succeeds, at once or (``delay``, the
``volume.fake_delay`` setting) after that many seconds, so that a crash can catch work in flight.
Running an operation again is harmless, so a create a crash cut short is resumed.

A volume's data is what was written into it (``write``, as a guest would; a restore): pages of
``PAGE`` bytes, the rest zeros. Snapshots, clones and reverts copy it, so backups read and
restore real bytes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from nimbus.volume.drivers.base import ModelUpdate, Volume, VolumeDriver, all_zero
from nimbus.volume.errors import ManageExistingInvalidReference, VolumeBackendError

GIB = 1024 ** 3
PAGE = 64 * 1024
# A volume's (or snapshot's) written pages, by page number; a page never written is zeros.
Pages = dict[int, bytes]


def _write(pages: Pages, offset: int, data: bytes) -> None:
    done = 0
    while done < len(data):
        index, within = divmod(offset + done, PAGE)
        take = min(PAGE - within, len(data) - done)
        page = bytearray(pages.get(index, bytes(PAGE)))
        page[within:within + take] = data[done:done + take]
        if all_zero(bytes(page)):
            pages.pop(index, None)
        else:
            pages[index] = bytes(page)
        done += take


def _read(pages: Pages, offset: int, length: int) -> bytes:
    first, last = offset // PAGE, (offset + length - 1) // PAGE
    wanted = (sorted(i for i in pages if first <= i <= last) if len(pages) < last - first + 1
              else [i for i in range(first, last + 1) if i in pages])
    if not wanted:
        return bytes(length)
    out = bytearray(length)
    for index in wanted:
        start = index * PAGE
        lo, hi = max(start, offset), min(start + PAGE, offset + length)
        out[lo - offset:hi - offset] = pages[index][lo - start:hi - start]
    return bytes(out)


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
        # The data of volumes (by id) and snapshots (``snapshot:<id>``).
        self.data: dict[str, Pages] = {}
        # Tests set this to a volume name to make its creation fail.
        self.fail_names: set[str] = set(config.get("fail_names", []))

    def _wait(self) -> None:
        if self.delay:
            time.sleep(self.delay)

    def _create(self, volume: Volume, source: str | None = None) -> ModelUpdate:
        self._wait()
        if volume.get("display_name") in self.fail_names:
            raise VolumeBackendError(reason=f"fake failure for {volume['id']}")
        with self._lock:
            self.volumes[volume["id"]] = int(volume["size"])
            self.data[volume["id"]] = dict(self.data.get(source, {})) if source else {}
        return {"provider_location": f"fake://{volume['name']}"}

    def create_volume(self, volume: Volume) -> ModelUpdate:
        return self._create(volume)

    def create_volume_from_snapshot(self, volume: Volume, snapshot: dict[str, Any]) -> ModelUpdate:
        return self._create(volume, f"snapshot:{snapshot['id']}")

    def create_cloned_volume(self, volume: Volume, source: Volume) -> ModelUpdate:
        return self._create(volume, source["id"])

    def delete_volume(self, volume: Volume) -> None:
        self._wait()
        with self._lock:
            self.volumes.pop(volume["id"], None)
            self.exports.pop(volume["id"], None)
            self.data.pop(volume["id"], None)

    # -- data -------------------------------------------------------------------------------
    def write(self, volume_id: str, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` into the volume, as a guest would."""
        with self._lock:
            _write(self.data.setdefault(volume_id, {}), offset, data)

    def read(self, volume_id: str, offset: int, length: int) -> bytes:
        """``length`` bytes of the volume's data from ``offset``."""
        with self._lock:
            return _read(self.data.get(volume_id, {}), offset, length)

    def _stream(self, key: str, size_gb: int, chunk_size: int) -> Iterator[bytes]:
        self._wait()
        with self._lock:
            # Pages are never changed in place, so a copy of the map is a point-in-time view.
            pages = dict(self.data.get(key, {}))
        total = size_gb * GIB
        for offset in range(0, total, chunk_size):
            yield _read(pages, offset, min(chunk_size, total - offset))

    def read_volume(self, volume: Volume, chunk_size: int) -> Iterator[bytes]:
        return self._stream(volume["id"], int(volume["size"]), chunk_size)

    def read_snapshot(self, snapshot: dict[str, Any], volume: Volume,
                      chunk_size: int) -> Iterator[bytes]:
        with self._lock:
            if f"snapshot:{snapshot['id']}" not in self.data:
                raise VolumeBackendError(reason=f"no snapshot {snapshot['id']} here")
        return self._stream(f"snapshot:{snapshot['id']}", int(volume["size"]), chunk_size)

    def write_volume(self, volume: Volume, chunks: Iterable[bytes]) -> None:
        self._wait()
        if volume.get("display_name") in self.fail_names:
            raise VolumeBackendError(reason=f"fake failure for {volume['id']}")
        pages: Pages = {}
        offset = 0
        for chunk in chunks:
            if offset + len(chunk) > int(volume["size"]) * GIB:
                raise VolumeBackendError(reason=f"the data is larger than volume {volume['id']}")
            if not all_zero(chunk):
                _write(pages, offset, chunk)
            offset += len(chunk)
        with self._lock:
            self.data[volume["id"]] = pages

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
            self.data[volume["id"]] = dict(self.data.get(f"snapshot:{snapshot['id']}", {}))

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
            self.data[f"snapshot:{snapshot['id']}"] = dict(self.data.get(volume["id"], {}))
        return {}

    def delete_snapshot(self, snapshot: dict[str, Any], volume: Volume) -> None:
        self._wait()
        with self._lock:
            self.snapshots.pop(snapshot["id"], None)
            self.data.pop(f"snapshot:{snapshot['id']}", None)

    # -- manage and unmanage: an unmanaged volume or snapshot stays here under its name ----------
    @staticmethod
    def _named(ref: dict[str, Any], prefix: str, held: dict[str, Any]) -> str:
        """The id of what ``ref`` names (``<prefix>-<id>``, or the id itself)."""
        name = str(ref.get("source-name") or ref.get("source-id") or "")
        found = name[len(prefix) + 1:] if name.startswith(f"{prefix}-") else name
        if not found or found not in held:
            raise ManageExistingInvalidReference(existing_ref=ref,
                                                 reason=f"no {prefix} {name!r} on this backend")
        return found

    def list_manageable_volumes(self, known: dict[str, str]) -> list[dict[str, Any]]:
        with self._lock:
            held = dict(self.volumes)
        return [_entry(f"volume-{vid}", size, known) for vid, size in sorted(held.items())]

    def manage_existing_get_size(self, volume: Volume, ref: dict[str, Any]) -> int:
        with self._lock:
            return self.volumes[self._named(ref, "volume", self.volumes)]

    def manage_existing(self, volume: Volume, ref: dict[str, Any]) -> ModelUpdate:
        with self._lock:
            old = self._named(ref, "volume", self.volumes)
            self.volumes[volume["id"]] = self.volumes.pop(old)
            self.data[volume["id"]] = self.data.pop(old, {})
            self.exports.pop(old, None)
        return {"provider_location": f"fake://{volume['name']}"}

    def list_manageable_snapshots(self, known: dict[str, str]) -> list[dict[str, Any]]:
        with self._lock:
            held, sizes = dict(self.snapshots), dict(self.volumes)
        return [{**_entry(f"snapshot-{sid}", sizes.get(vid, 0), known),
                 "source_reference": {"source-name": f"volume-{vid}"}}
                for sid, vid in sorted(held.items())]

    def manage_existing_snapshot_get_size(self, snapshot: dict[str, Any],
                                          ref: dict[str, Any]) -> int:
        with self._lock:
            old = self._named(ref, "snapshot", self.snapshots)
            return self.volumes.get(self.snapshots[old], 1)

    def manage_existing_snapshot(self, snapshot: dict[str, Any], volume: Volume,
                                 ref: dict[str, Any]) -> ModelUpdate:
        with self._lock:
            old = self._named(ref, "snapshot", self.snapshots)
            self.snapshots.pop(old)
            self.snapshots[snapshot["id"]] = volume["id"]
            self.data[f"snapshot:{snapshot['id']}"] = self.data.pop(f"snapshot:{old}", {})
        return {}


def _entry(name: str, size: int, known: dict[str, str]) -> dict[str, Any]:
    """One volume or snapshot of a manageable listing; those the cloud manages are not safe."""
    cinder_id = known.get(name)
    return {"reference": {"source-name": name}, "size": int(size),
            "safe_to_manage": cinder_id is None,
            "reason_not_safe": "already managed" if cinder_id else None,
            "cinder_id": cinder_id, "extra_info": None}


DRIVER = FakeDriver
