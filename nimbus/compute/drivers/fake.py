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
KEPT: dict[str, dict[str, dict[str, Any]]] = {}
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
    supports_live_migration = True
    supports_rescue = True
    supports_resize = True
    supports_console_output = True
    console_types = ("novnc", "xvpvnc", "spice-html5", "serial")
    supports_set_password = True
    supports_crash_dump = True
    supports_interface_attach = True
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
            # Guests a resize or migration from this host keeps until it is confirmed.
            self.kept = KEPT.setdefault(host, {})
            guests, kept = self._load()
            self.guests.update(guests)
            self.kept.update(kept)

    # -- the guests kept on disk -----------------------------------------------------------
    def _load(self) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        if self._file is None or not self._file.exists():
            return {}, {}
        try:
            found = json.loads(self._file.read_text())
        except (OSError, ValueError) as exc:
            LOG.info("could not read the guests of %s: %s", self.host, exc)
            return {}, {}
        if not isinstance(found, dict):
            return {}, {}
        if "guests" not in found:   # the layout before resizes were kept
            found = {"guests": found, "kept": {}}
        return ({str(k): dict(v) for k, v in (found.get("guests") or {}).items()},
                {str(k): dict(v) for k, v in (found.get("kept") or {}).items()})

    def _save(self) -> None:
        if self._file is None:
            return
        with _LOCK:
            try:
                text = json.dumps({"guests": self.guests, "kept": self.kept})
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
            "image": (image or {}).get("id"), "booted": time.time(),
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


    # -- rebuild and rescue ---------------------------------------------------------------
    def rebuild(self, instance: dict[str, Any], image: dict[str, Any] | None,
                block_devices: list[dict[str, Any]] | None = None) -> None:
        self._maybe_fail(instance, "rebuild")
        guest = self._guest(instance)
        guest.update(image=(image or {}).get("id"), booted=time.time(),
                     power=PowerState.RUNNING)
        self._save()

    def rescue(self, instance: dict[str, Any], image: dict[str, Any] | None,
               password: str | None) -> None:
        self._maybe_fail(instance, "rescue")
        self._guest(instance).update(rescued=(image or {}).get("id") or "own",
                                     power=PowerState.RUNNING)
        self._save()

    def unrescue(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "unrescue")
        guest = self._guest(instance)
        guest.pop("rescued", None)
        guest["power"] = PowerState.RUNNING
        self._save()

    def set_admin_password(self, instance: dict[str, Any], password: str) -> None:
        self._maybe_fail(instance, "set_admin_password")
        # Only that it changed is kept: a password is never written anywhere.
        guest = self._guest(instance)
        guest["password_changes"] = int(guest.get("password_changes", 0)) + 1
        self._save()

    def inject_nmi(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "inject_nmi")
        guest = self._guest(instance)
        guest["crash_dumps"] = int(guest.get("crash_dumps", 0)) + 1
        self._save()

    # -- resize and migration -------------------------------------------------------------
    def migrate_disk_and_power_off(self, instance: dict[str, Any], dest_host: str,
                                   flavor: dict[str, Any]) -> dict[str, Any]:
        self._maybe_fail(instance, "migrate_disk_and_power_off")
        guest = self._guest(instance)
        if int(flavor.get("disk", 0)) < int(guest.get("disk", 0)) and int(flavor.get("disk", 0)):
            raise DriverError(reason="Resize error: unable to resize disk down.")
        with _LOCK:
            self.kept[instance["uuid"]] = dict(guest, power=PowerState.SHUTDOWN)
            if dest_host != self.host:
                self.guests.pop(instance["uuid"], None)
        self._save()
        return {"from": self.host, "volumes": guest.get("volumes", {})}

    def finish_migration(self, instance: dict[str, Any], disk_info: dict[str, Any],
                         image: dict[str, Any] | None, power_on: bool) -> None:
        self._maybe_fail(instance, "finish_migration")
        flavor = instance.get("flavor") or {}
        self.guests[instance["uuid"]] = {
            "name": instance.get("name"),
            "power": PowerState.RUNNING if power_on else PowerState.SHUTDOWN,
            "vcpus": int(flavor.get("vcpus", 0)), "ram": int(flavor.get("ram", 0)),
            "disk": int(flavor.get("disk", 0)), "image": (image or {}).get("id"),
            "volumes": dict(disk_info.get("volumes") or {}), "booted": time.time(),
            "ports": [p.get("port_id") for p in instance.get("ports", [])],
        }
        self._save()

    def confirm_migration(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "confirm_migration")
        self.kept.pop(instance["uuid"], None)
        self._save()

    def finish_revert_migration(self, instance: dict[str, Any], power_on: bool) -> None:
        self._maybe_fail(instance, "finish_revert_migration")
        kept = self.kept.pop(instance["uuid"], None)
        if kept is None:
            raise DriverError(reason=f"Nothing was kept of {instance['uuid']} on {self.host}.")
        kept["power"] = PowerState.RUNNING if power_on else PowerState.SHUTDOWN
        self.guests[instance["uuid"]] = kept
        self._save()

    def live_migration(self, instance: dict[str, Any], dest_host: str) -> dict[str, Any]:
        self._maybe_fail(instance, "live_migration")
        with _LOCK:
            guest = self.guests.pop(instance["uuid"], None)
        if guest is None:
            raise DriverError(reason=f"Instance {instance['uuid']} is not on host {self.host}.")
        self._save()
        return {"guest": guest}

    def post_live_migration_at_destination(self, instance: dict[str, Any],
                                           migrate_data: dict[str, Any]) -> None:
        self.guests[instance["uuid"]] = dict(migrate_data.get("guest") or {})
        self._save()

    # -- interfaces -----------------------------------------------------------------------
    def attach_interface(self, instance: dict[str, Any], port: dict[str, Any]) -> None:
        self._maybe_fail(instance, "attach_interface")
        guest = self._guest(instance)
        if port["port_id"] not in guest.setdefault("ports", []):
            guest["ports"].append(port["port_id"])
        self._save()

    def detach_interface(self, instance: dict[str, Any], port: dict[str, Any]) -> None:
        self._maybe_fail(instance, "detach_interface")
        guest = self.guests.get(instance["uuid"])
        if guest is not None and port["port_id"] in guest.get("ports", []):
            guest["ports"].remove(port["port_id"])
            self._save()

    # -- what the guest shows -------------------------------------------------------------
    def get_console_output(self, instance: dict[str, Any]) -> str:
        guest = self._guest(instance)
        name = guest.get("name") or instance["uuid"]
        lines = [f"[    0.000000] Linux version 6.1.0-nimbus (fake guest {instance['uuid']})",
                 f"[    0.100000] Command line: root=/dev/vda1 console=ttyS0 hostname={name}",
                 "[    1.000000] Run /sbin/init as init process"]
        if guest.get("rescued"):
            lines.append("[    1.500000] Booted from the rescue disk; own disk at /dev/vdb")
        lines += [f"cloud-init: instance {instance['uuid']} up",
                  f"{name} login: "]
        return "\n".join(lines) + "\n"

    def get_console(self, instance: dict[str, Any], console_type: str) -> dict[str, Any]:
        self._guest(instance)
        if console_type not in self.console_types:
            raise DriverError(reason=f"{console_type} consoles are not offered by this host.")
        # A stable port per guest, as a hypervisor gives each guest its own.
        port = 5900 + int(instance["uuid"].replace("-", "")[:4], 16) % 1000
        return {"host": "127.0.0.1", "port": port, "internal_access_path": None}

    def get_diagnostics(self, instance: dict[str, Any]) -> dict[str, Any]:
        guest = self._guest(instance)
        states = {PowerState.RUNNING: "running", PowerState.PAUSED: "paused",
                  PowerState.SHUTDOWN: "shutdown", PowerState.SUSPENDED: "suspended"}
        return {
            "state": states.get(int(guest["power"]), "pending"), "driver": "fake",
            "hypervisor": "fake", "hypervisor_os": "linux",
            "uptime": int(time.time() - float(guest.get("booted", time.time()))),
            "config_drive": False, "num_cpus": guest["vcpus"],
            "num_nics": len(guest.get("ports", [])), "num_disks": 1 + len(guest["volumes"]),
            "cpu_details": [{"id": i, "time": 0, "utilisation": 0}
                            for i in range(int(guest["vcpus"]))],
            "nic_details": [{"mac_address": "", "rx_octets": 0, "rx_errors": 0,
                             "rx_drop": 0, "rx_packets": 0, "rx_rate": None, "tx_octets": 0,
                             "tx_errors": 0, "tx_drop": 0, "tx_packets": 0, "tx_rate": None}
                            for _ in guest.get("ports", [])],
            "disk_details": [{"read_bytes": 0, "read_requests": 0, "write_bytes": 0,
                              "write_requests": 0, "errors_count": 0}
                             for _ in range(1 + len(guest["volumes"]))],
            "memory_details": {"maximum": guest["ram"], "used": 0},
        }


DRIVER = FakeDriver
