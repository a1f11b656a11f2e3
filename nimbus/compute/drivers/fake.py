"""A driver that simulates a hypervisor, for tests and for clouds without one.

It fails on demand: a server whose metadata has ``fake_fail`` set to an operation name
(``spawn``, ``destroy``, ``reboot``, ``power_off``, ``attach_volume``...) fails that operation,
so the fault paths can be tested end to end. ``compute.fake_spawn_seconds`` makes each spawn
take that long, so that a test can stop the cloud while builds are in flight.

Its guests live in the compute database (``compute_fake_guests``, one row per guest and host),
as a hypervisor's guests outlive its agent: after a crash or a restart the agent finds them
there, and every action on a server made before works on it after. How the driver reaches them
is the one choice here. A driver never reaches the database itself (calls go api -> manager
-> db or drivers, and SQL lives only in ``compute/db``), and drivers are built by name as
``driver(host, settings)``, a constructor every driver shares. So the agent, which holds
both the database and the driver, hands the driver a ``GuestStore`` of its host's records
through ``ComputeDriver.attach`` (a no-op for real drivers, whose hypervisor keeps its own
guests): the driver ABC and the constructor stay as they were, nothing but the agent chooses
where a host's guests are kept, and the driver only sees the store's protocol. Built alone (a
test of the driver itself), it keeps its guests in memory until it is given a store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from nimbus.compute.drivers.base import (
    ComputeDriver,
    DriverError,
    Guest,
    GuestStore,
    SnapshotData,
)
from nimbus.compute.drivers.fake_console import FakeConsoles
from nimbus.compute.states import PowerState

SNAPSHOT_SIZE = 64 * 1024


def snapshot_bytes(uuid: str) -> bytes:
    """A fake guest's disk: plain (raw) bytes naming the guest, so no inspector sees a format."""
    line = f"NIMBUS-FAKE-DISK {uuid}\n".encode()
    return (line * (SNAPSHOT_SIZE // len(line) + 1))[:SNAPSHOT_SIZE]


class MemoryGuests:
    """The guests of a driver that was given no database: they last as long as it does."""

    def __init__(self) -> None:
        self._guests: dict[bool, dict[str, Guest]] = {False: {}, True: {}}
        self._lock = threading.Lock()

    def all(self, kept: bool = False) -> dict[str, Guest]:
        with self._lock:
            return {uuid: dict(g) for uuid, g in self._guests[kept].items()}

    def uuids(self) -> list[str]:
        with self._lock:
            return list(self._guests[False])

    def get(self, uuid: str, kept: bool = False) -> Guest | None:
        with self._lock:
            found = self._guests[kept].get(uuid)
            return None if found is None else dict(found)

    def put(self, uuid: str, guest: Guest, kept: bool = False) -> None:
        with self._lock:
            self._guests[kept][uuid] = dict(guest)

    def change(self, uuid: str, change: Callable[[Guest], None],
               kept: bool = False) -> Guest | None:
        with self._lock:
            found = self._guests[kept].get(uuid)
            if found is None:
                return None
            change(found)
            return dict(found)

    def pop(self, uuid: str, kept: bool = False) -> Guest | None:
        with self._lock:
            return self._guests[kept].pop(uuid, None)

    def totals(self) -> tuple[int, int, int]:
        with self._lock:
            guests = list(self._guests[False].values())
        return (sum(int(g["vcpus"]) for g in guests), sum(int(g["ram"]) for g in guests),
                sum(int(g["disk"]) for g in guests))


class FakeDriver(ComputeDriver):
    supports_multiattach = True
    supports_snapshot = True
    supports_live_migration = True
    supports_rescue = True
    supports_stable_rescue = True
    supports_host_actions = True
    supports_resize = True
    supports_console_output = True
    console_types = ("novnc", "xvpvnc", "spice-html5", "serial")
    live_console_types = ("novnc", "serial")
    supports_set_password = True
    supports_crash_dump = True
    supports_interface_attach = True
    supports_swap_volume = True
    supports_encrypted_volumes = True
    spawns_again = True
    hypervisor_type = "fake"

    def __init__(self, host: str, settings: Any = None) -> None:
        super().__init__(host, settings)
        compute = getattr(settings, "compute", None)
        self.spawn_seconds = float(getattr(compute, "fake_spawn_seconds", 0.0) or 0.0)
        self.snapshot_seconds = float(getattr(compute, "fake_snapshot_seconds", 0.0) or 0.0)
        self.consoles = FakeConsoles(host)
        self.guests: GuestStore = MemoryGuests()
        # Assisted volume snapshots taken: snapshot id -> (server, volume).
        self.volume_snapshots: dict[str, tuple[str, str]] = {}

    def attach(self, guests: GuestStore) -> None:
        self.guests = guests

    def _maybe_fail(self, instance: dict[str, Any], operation: str) -> None:
        wanted = str((instance.get("metadata") or {}).get("fake_fail", ""))
        if operation in {w.strip() for w in wanted.split(",")}:
            raise DriverError(reason=f"Fake driver was asked to fail {operation}.")

    def _missing(self, instance: dict[str, Any]) -> DriverError:
        return DriverError(reason=f"Instance {instance['uuid']} is not on host {self.host}.")

    def _guest(self, instance: dict[str, Any]) -> Guest:
        guest = self.guests.get(instance["uuid"])
        if guest is None:
            raise self._missing(instance)
        return guest

    def _change(self, instance: dict[str, Any], change: Callable[[Guest], None]) -> Guest:
        changed = self.guests.change(instance["uuid"], change)
        if changed is None:
            raise self._missing(instance)
        return changed

    def _set_power(self, instance: dict[str, Any], power: int) -> None:
        self._change(instance, lambda g: g.update(power=power))

    @staticmethod
    def _new_guest(instance: dict[str, Any], image: dict[str, Any] | None, power: int,
                   volumes: dict[str, Any]) -> Guest:
        flavor = instance.get("flavor") or {}
        return {"name": instance.get("name"), "power": power,
                "vcpus": int(flavor.get("vcpus", 0)), "ram": int(flavor.get("ram", 0)),
                "disk": int(flavor.get("disk", 0)), "volumes": volumes,
                "ports": [p.get("port_id") for p in instance.get("ports", [])],
                "image": (image or {}).get("id"), "booted": time.time()}

    def get_available_resource(self) -> dict[str, Any]:
        used_cpu, used_ram, used_disk = self.guests.totals()
        return {
            "vcpus": 1000, "memory_mb": 800000, "local_gb": 600000,
            "vcpus_used": used_cpu, "memory_mb_used": used_ram, "local_gb_used": used_disk,
            "hypervisor_type": self.hypervisor_type, "hypervisor_version": 1000,
            "cpu_allocation_ratio": 1.0, "ram_allocation_ratio": 1.0,
            "disk_allocation_ratio": 1.0, "reserved_host_memory_mb": 0,
        }

    def list_instances(self) -> list[str]:
        return self.guests.uuids()

    def spawn(self, instance: dict[str, Any], image: dict[str, Any] | None,
              block_devices: list[dict[str, Any]] | None = None) -> None:
        self._maybe_fail(instance, "spawn")
        if image is None and not any(b.get("boot_index") == 0 for b in block_devices or []):
            raise DriverError(reason="Nothing to boot from: no image and no boot volume.")
        if self.spawn_seconds > 0:
            time.sleep(self.spawn_seconds)
        volumes = {b["device_name"]: b.get("connection_info") or {} for b in block_devices or []}
        self.guests.put(instance["uuid"],
                        self._new_guest(instance, image, PowerState.RUNNING, volumes))

    def destroy(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "destroy")
        self.guests.pop(instance["uuid"])
        self.consoles.close_guest(instance["uuid"])

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
        return SnapshotData("raw", self._paced(snapshot_bytes(instance["uuid"])))

    def _paced(self, data: bytes) -> Iterator[bytes]:
        """The snapshot's bytes in pieces spread over ``snapshot_seconds``."""
        pieces = 8
        step = len(data) // pieces + 1
        for start in range(0, len(data), step):
            if self.snapshot_seconds > 0:
                time.sleep(self.snapshot_seconds / pieces)
            yield data[start:start + step]

    def get_volume_connector(self, instance: dict[str, Any]) -> dict[str, Any]:
        return {"host": self.host, "initiator": f"iqn.2024-01.org.nimbus:{self.host}",
                "ip": "127.0.0.1", "multipath": False, "platform": "x86_64", "os_type": "linux"}

    def attach_volume(self, instance: dict[str, Any], connection_info: dict[str, Any],
                      device: str) -> None:
        self._maybe_fail(instance, "attach_volume")
        self._change(instance, lambda g: g["volumes"].update({device: connection_info}))

    def extend_volume(self, instance: dict[str, Any], connection_info: dict[str, Any],
                      requested_size: int) -> None:
        """Recorded on the guest's volume (``size_bytes``, what the guest was shown)."""
        self._maybe_fail(instance, "extend_volume")
        volume_id = (connection_info.get("data") or {}).get("volume_id")

        def grow(guest: Guest) -> None:
            # New dicts, not changes in place: the stored record must see a change.
            guest["volumes"] = {
                device: ({**info, "size_bytes": requested_size}
                         if (info.get("data") or {}).get("volume_id") == volume_id else info)
                for device, info in guest["volumes"].items()}

        self._change(instance, grow)

    def detach_volume(self, instance: dict[str, Any], connection_info: dict[str, Any] | None,
                      device: str) -> None:
        self._maybe_fail(instance, "detach_volume")
        self.guests.change(instance["uuid"], lambda g: g["volumes"].pop(device, None))

    def power_state(self, instance: dict[str, Any]) -> int:
        guest = self.guests.get(instance["uuid"])
        return int(guest["power"]) if guest else PowerState.NOSTATE

    def swap_volume(self, instance: dict[str, Any], old_connection_info: dict[str, Any],
                    new_connection_info: dict[str, Any], device: str, resize_to: int) -> None:
        self._maybe_fail(instance, "swap_volume")
        if device not in self._guest(instance)["volumes"]:
            raise DriverError(reason=f"No volume is attached at {device} of {instance['uuid']}.")
        self._change(instance, lambda g: g["volumes"].update({device: new_connection_info}))

    def volume_snapshot_create(self, instance: dict[str, Any], volume_id: str,
                               create_info: dict[str, Any]) -> None:
        self._maybe_fail(instance, "volume_snapshot_create")
        self._guest(instance)
        # Only remembered while the driver lives: nothing reads them but a test.
        self.volume_snapshots[str(create_info["snapshot_id"])] = (instance["uuid"], volume_id)

    def volume_snapshot_delete(self, instance: dict[str, Any], volume_id: str,
                               snapshot_id: str, delete_info: dict[str, Any]) -> None:
        self._maybe_fail(instance, "volume_snapshot_delete")
        self._guest(instance)
        self.volume_snapshots.pop(snapshot_id, None)

    # -- rebuild and rescue ---------------------------------------------------------------
    def rebuild(self, instance: dict[str, Any], image: dict[str, Any] | None,
                block_devices: list[dict[str, Any]] | None = None) -> None:
        self._maybe_fail(instance, "rebuild")
        self._change(instance, lambda g: g.update(image=(image or {}).get("id"),
                                                  booted=time.time(),
                                                  power=PowerState.RUNNING))

    def rescue(self, instance: dict[str, Any], image: dict[str, Any] | None,
               password: str | None) -> None:
        self._maybe_fail(instance, "rescue")
        props = (image or {}).get("properties") or {}
        # Stable rescue: where the rescue disk goes, as the rescue image asks.
        stable = {k: props[k] for k in ("hw_rescue_device", "hw_rescue_bus") if props.get(k)}
        self._change(instance, lambda g: g.update(rescued=(image or {}).get("id") or "own",
                                                  rescue_device=stable or None,
                                                  power=PowerState.RUNNING))

    def unrescue(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "unrescue")

        def unrescued(guest: Guest) -> None:
            guest.pop("rescued", None)
            guest.pop("rescue_device", None)
            guest["power"] = PowerState.RUNNING

        self._change(instance, unrescued)

    def set_admin_password(self, instance: dict[str, Any], password: str) -> None:
        self._maybe_fail(instance, "set_admin_password")
        # Only that it changed is kept: a password is never written anywhere.
        self._change(instance, lambda g: g.update(
            password_changes=int(g.get("password_changes", 0)) + 1))

    def inject_nmi(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "inject_nmi")
        self._change(instance, lambda g: g.update(crash_dumps=int(g.get("crash_dumps", 0)) + 1))

    # -- resize and migration -------------------------------------------------------------
    def migrate_disk_and_power_off(self, instance: dict[str, Any], dest_host: str,
                                   flavor: dict[str, Any]) -> dict[str, Any]:
        self._maybe_fail(instance, "migrate_disk_and_power_off")
        guest = self._guest(instance)
        if int(flavor.get("disk", 0)) < int(guest.get("disk", 0)) and int(flavor.get("disk", 0)):
            raise DriverError(reason="Resize error: unable to resize disk down.")
        # Kept first, dropped after: stopped in between, the guest is in both places, never
        # in neither.
        self.guests.put(instance["uuid"], dict(guest, power=PowerState.SHUTDOWN), kept=True)
        if dest_host != self.host:
            self.guests.pop(instance["uuid"])
        return {"from": self.host, "volumes": guest.get("volumes", {})}

    def finish_migration(self, instance: dict[str, Any], disk_info: dict[str, Any],
                         image: dict[str, Any] | None, power_on: bool) -> None:
        self._maybe_fail(instance, "finish_migration")
        power = PowerState.RUNNING if power_on else PowerState.SHUTDOWN
        self.guests.put(instance["uuid"], self._new_guest(
            instance, image, power, dict(disk_info.get("volumes") or {})))

    def confirm_migration(self, instance: dict[str, Any]) -> None:
        self._maybe_fail(instance, "confirm_migration")
        self.guests.pop(instance["uuid"], kept=True)

    def finish_revert_migration(self, instance: dict[str, Any], power_on: bool) -> None:
        self._maybe_fail(instance, "finish_revert_migration")
        kept = self.guests.get(instance["uuid"], kept=True)
        if kept is None:
            raise DriverError(reason=f"Nothing was kept of {instance['uuid']} on {self.host}.")
        kept["power"] = PowerState.RUNNING if power_on else PowerState.SHUTDOWN
        self.guests.put(instance["uuid"], kept)
        self.guests.pop(instance["uuid"], kept=True)

    def live_migration(self, instance: dict[str, Any], dest_host: str) -> dict[str, Any]:
        self._maybe_fail(instance, "live_migration")
        guest = self.guests.pop(instance["uuid"])
        if guest is None:
            raise self._missing(instance)
        return {"guest": guest}

    def post_live_migration_at_destination(self, instance: dict[str, Any],
                                           migrate_data: dict[str, Any]) -> None:
        self.guests.put(instance["uuid"], dict(migrate_data.get("guest") or {}))

    # -- interfaces -----------------------------------------------------------------------
    def attach_interface(self, instance: dict[str, Any], port: dict[str, Any]) -> None:
        self._maybe_fail(instance, "attach_interface")

        def plugged(guest: Guest) -> None:
            if port["port_id"] not in guest["ports"]:
                guest["ports"].append(port["port_id"])

        self._change(instance, plugged)

    def detach_interface(self, instance: dict[str, Any], port: dict[str, Any]) -> None:
        self._maybe_fail(instance, "detach_interface")

        def unplugged(guest: Guest) -> None:
            if port["port_id"] in guest["ports"]:
                guest["ports"].remove(port["port_id"])

        self.guests.change(instance["uuid"], unplugged)

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
        return self.consoles.get_console(instance, console_type, set(self.list_instances()))

    def cleanup_host(self) -> None:
        self.consoles.close()

    def get_diagnostics(self, instance: dict[str, Any]) -> dict[str, Any]:
        guest = self._guest(instance)
        states = {PowerState.RUNNING: "running", PowerState.PAUSED: "paused",
                  PowerState.SHUTDOWN: "shutdown", PowerState.SUSPENDED: "suspended"}
        return {
            # The 2.48 shape names its driver from a closed list (libvirt, xenapi, ...); the
            # fake stands in for the QEMU/KVM one, as Nova's own fake driver does.
            "state": states.get(int(guest["power"]), "pending"), "driver": "libvirt",
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
