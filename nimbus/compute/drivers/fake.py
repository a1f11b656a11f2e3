"""A driver that keeps guests in memory, for tests and for clouds without a hypervisor.

It fails on demand: a server whose metadata has ``fake_fail`` set to an operation name
(``spawn``, ``destroy``, ``reboot``, ``power_off``, ``attach_volume``...) fails that operation,
so the fault paths can be tested end to end. ``compute.fake_spawn_seconds`` makes each spawn
take that long, so that a test can stop the cloud while builds are in flight.

Given the settings, it also writes its guests to ``<state_dir>/compute-guests/<host>.json``,
as a hypervisor's guests outlive the agent: after a crash the restarted agent finds them there.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from nimbus.compute.drivers.base import ComputeDriver, DriverError, SnapshotData
from nimbus.compute.states import PowerState

# Every simulated host keeps its guests here, keyed by host name, so that a test can look inside.
GUESTS: dict[str, dict[str, dict[str, Any]]] = {}
_LOCK = threading.Lock()
LOG = logging.getLogger(__name__)


SNAPSHOT_SIZE = 64 * 1024


def snapshot_bytes(uuid: str) -> bytes:
    """A fake guest's disk: plain (raw) bytes naming the guest, so no inspector sees a format."""
    line = f"NIMBUS-FAKE-DISK {uuid}\n".encode()
    return (line * (SNAPSHOT_SIZE // len(line) + 1))[:SNAPSHOT_SIZE]


class FakeDriver(ComputeDriver):
    supports_multiattach = True
    supports_snapshot = True
    spawns_again = True
    hypervisor_type = "fake"

    def __init__(self, host: str, settings: Any = None) -> None:
        super().__init__(host, settings)
        compute = getattr(settings, "compute", None)
        self.spawn_seconds = float(getattr(compute, "fake_spawn_seconds", 0.0) or 0.0)
        state_dir = getattr(settings, "state_dir", None)
        self._file = (Path(state_dir) / "compute-guests" / f"{host}.json"
                      if state_dir is not None else None)
        with _LOCK:
            self.guests = GUESTS.setdefault(host, {})
            self.guests.update(self._load())

    # -- the guests kept on disk -----------------------------------------------------------
    def _load(self) -> dict[str, dict[str, Any]]:
        if self._file is None or not self._file.exists():
            return {}
        try:
            found = json.loads(self._file.read_text())
        except (OSError, ValueError) as exc:
            LOG.info("could not read the guests of %s: %s", self.host, exc)
            return {}
        return {str(k): dict(v) for k, v in found.items()} if isinstance(found, dict) else {}

    def _save(self) -> None:
        if self._file is None:
            return
        with _LOCK:
            try:
                text = json.dumps(self.guests)
            except RuntimeError:    # changed by another thread meanwhile: the next save writes it
                return
            try:
                self._file.parent.mkdir(parents=True, exist_ok=True)
                partial = self._file.with_name(f"{self._file.name}.{threading.get_ident()}")
                partial.write_text(text)
                os.replace(partial, self._file)
            except OSError as exc:
                LOG.info("could not write the guests of %s: %s", self.host, exc)

    def _maybe_fail(self, instance: dict[str, Any], operation: str) -> None:
        wanted = str((instance.get("metadata") or {}).get("fake_fail", ""))
        if operation in {w.strip() for w in wanted.split(",")}:
            raise DriverError(reason=f"Fake driver was asked to fail {operation}.")

    def _guest(self, instance: dict[str, Any]) -> dict[str, Any]:
        guest = self.guests.get(instance["uuid"])
        if guest is None:
            raise DriverError(reason=f"Instance {instance['uuid']} is not on host {self.host}.")
        return guest

    def _set_power(self, instance: dict[str, Any], power: int) -> None:
        self._guest(instance)["power"] = power
        self._save()

    def get_available_resource(self) -> dict[str, Any]:
        used_cpu = sum(g["vcpus"] for g in self.guests.values())
        used_ram = sum(g["ram"] for g in self.guests.values())
        used_disk = sum(g["disk"] for g in self.guests.values())
        return {
            "vcpus": 1000, "memory_mb": 800000, "local_gb": 600000,
            "vcpus_used": used_cpu, "memory_mb_used": used_ram, "local_gb_used": used_disk,
            "hypervisor_type": self.hypervisor_type, "hypervisor_version": 1000,
            "cpu_allocation_ratio": 1.0, "ram_allocation_ratio": 1.0,
            "disk_allocation_ratio": 1.0, "reserved_host_memory_mb": 0,
        }

    def list_instances(self) -> list[str]:
        return list(self.guests)

    def spawn(self, instance: dict[str, Any], image: dict[str, Any] | None,
              block_devices: list[dict[str, Any]] | None = None) -> None:
        self._maybe_fail(instance, "spawn")
        if image is None and not any(b.get("boot_index") == 0 for b in block_devices or []):
            raise DriverError(reason="Nothing to boot from: no image and no boot volume.")
        if self.spawn_seconds > 0:
            time.sleep(self.spawn_seconds)
        flavor = instance.get("flavor") or {}
        self.guests[instance["uuid"]] = {
            "name": instance.get("name"), "power": PowerState.RUNNING,
            "vcpus": int(flavor.get("vcpus", 0)), "ram": int(flavor.get("ram", 0)),
            "disk": int(flavor.get("disk", 0)),
            "volumes": {b["device_name"]: b.get("connection_info") or {}
                        for b in block_devices or []},
            "ports": [p.get("port_id") for p in instance.get("ports", [])],
        }
        self._save()

    def destroy(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "destroy")
        self.guests.pop(instance["uuid"], None)
        self._save()

    def reboot(self, instance: dict[str, Any], hard: bool) -> None:
        self._maybe_fail(instance, "reboot")
        self._set_power(instance, PowerState.RUNNING)

    def power_off(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "power_off")
        self._set_power(instance, PowerState.SHUTDOWN)

    def power_on(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "power_on")
        self._set_power(instance, PowerState.RUNNING)

    def pause(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "pause")
        self._set_power(instance, PowerState.PAUSED)

    def unpause(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "unpause")
        self._set_power(instance, PowerState.RUNNING)

    def suspend(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "suspend")
        self._set_power(instance, PowerState.SUSPENDED)

    def resume(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "resume")
        self._set_power(instance, PowerState.RUNNING)

    def snapshot(self, instance: dict[str, Any]) -> SnapshotData:
        self._maybe_fail(instance, "snapshot")
        self._guest(instance)
        return SnapshotData("raw", [snapshot_bytes(instance["uuid"])])

    def get_volume_connector(self, instance: dict[str, Any]) -> dict[str, Any]:
        return {"host": self.host, "initiator": f"iqn.2024-01.org.nimbus:{self.host}",
                "ip": "127.0.0.1", "multipath": False, "platform": "x86_64", "os_type": "linux"}

    def attach_volume(self, instance: dict[str, Any], connection_info: dict[str, Any],
                      device: str) -> None:
        self._maybe_fail(instance, "attach_volume")
        self._guest(instance)["volumes"][device] = connection_info
        self._save()

    def detach_volume(self, instance: dict[str, Any], connection_info: dict[str, Any] | None,
                      device: str) -> None:
        self._maybe_fail(instance, "detach_volume")
        guest = self.guests.get(instance["uuid"])
        if guest is not None:
            guest["volumes"].pop(device, None)
            self._save()

    def power_state(self, instance: dict[str, Any]) -> int:
        guest = self.guests.get(instance["uuid"])
        return int(guest["power"]) if guest else PowerState.NOSTATE


DRIVER = FakeDriver
