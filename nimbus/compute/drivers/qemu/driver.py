"""The qemu driver: every guest a real QEMU process on this host.

One QEMU per guest, driven over QMP (``process.py``); disks are qcow2 overlays on a per-host
cache of base images (``disks.py``); a config drive carries the metadata (``configdrive.py``).
NICs are the network agent's taps, or QEMU's restricted user networking with SSH forwarded
to loopback where there are none. Volumes, encrypted ones too, are hot-plugged
(``hotplug.py``). KVM is used when it really works, else TCG (``accel.py``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from nimbus.compute.drivers.base import (
    ComputeDriver,
    DriverError,
    ImageSource,
    SnapshotData,
    VolumeKeys,
)
from nimbus.compute.drivers.qemu import accel as accel_probe
from nimbus.compute.drivers.qemu import configdrive, diagnostics, disks, hotplug, moves
from nimbus.compute.drivers.qemu import nics as qemu_nics
from nimbus.compute.drivers.qemu.process import GuestProcess, free_port, free_vnc_port
from nimbus.compute.states import PowerState
from nimbus.core.guestimage import build as guestimage

LOG = logging.getLogger(__name__)
SUSPEND_FILE = "suspended.state"


class QemuDriver(ComputeDriver):
    supports_pause = True
    supports_suspend = True
    supports_snapshot = True
    supports_console_output = True
    console_types = ("novnc", "serial")
    live_console_types = ("novnc", "serial")
    supports_crash_dump = True
    supports_resize = True
    supports_rescue = True
    supports_live_migration = True
    supports_encrypted_volumes = True
    supports_interface_attach = True
    spawns_again = True
    uses_config_drive = True
    boots_guests = True
    hypervisor_type = "QEMU"

    def __init__(self, host: str, settings: Any = None) -> None:
        super().__init__(host, settings)
        compute = getattr(settings, "compute", None)
        self.binary = str(getattr(compute, "qemu_binary", "") or "qemu-system-x86_64")
        self.wanted_accel = str(getattr(compute, "qemu_accel", "") or "auto")
        self.shutdown_timeout = int(getattr(compute, "shutdown_timeout", 60))
        self.guests_on_stop = str(getattr(compute, "guests_on_stop", "keep") or "keep")
        configured = str(getattr(compute, "instances_path", "") or "")
        state_dir = Path(getattr(settings, "state_dir", None) or Path.home() / ".nimbus")
        base = Path(configured) if configured else state_dir / "instances"
        # Hosts of one process (tests run two) keep their guests apart.
        self.root = base / host
        self.images = disks.ImageCache(self.root / "_base")
        self.accel = accel_probe.Accel("tcg", "not probed yet")
        self._download: Callable[[str], Iterable[bytes]] | None = None
        # An encrypted volume's key by volume id (None: no volume service handed over yet).
        self._volume_key: Callable[[str], str] | None = None

    # -- the host ----------------------------------------------------------------------------
    def use_images(self, images: ImageSource) -> None:
        self._download = images.download

    def use_volumes(self, volumes: VolumeKeys) -> None:
        self._volume_key = functools.partial(hotplug.volume_key, volumes)

    def init_host(self) -> None:
        if shutil.which(self.binary) is None:
            raise DriverError(reason=f"{self.binary} is not installed (Debian: "
                                     "qemu-system-x86); the qemu driver cannot run.")
        self.root.mkdir(parents=True, exist_ok=True)
        self.accel = accel_probe.probe(self.binary, self.wanted_accel,
                                       guest=guestimage.cached())
        LOG.info("qemu driver on %s: %s, because %s", self.host, self.accel.name.upper(),
                 self.accel.reason)
        for uuid in self.list_instances():
            proc = self._proc(uuid)
            if proc.running():
                LOG.info("qemu driver: guest %s is still running; adopted", uuid)
                continue
            spec = proc.spec()
            if spec.pop("resume_on_boot", False):
                # It ran when the cloud stopped cleanly: it comes back with the cloud.
                try:
                    proc.start(spec)
                    LOG.info("qemu driver: guest %s started again, as it ran at the last "
                             "stop", uuid)
                except DriverError as exc:
                    LOG.warning("qemu driver: guest %s could not be started again: %s", uuid,
                                exc.message)
                proc.save(spec)

    def cleanup_host(self) -> None:
        """With ``guests_on_stop`` "shutdown", power the running guests off (ACPI, all at
        once, hard after ``shutdown_timeout``) and mark them to start again at the next
        ``init_host``; with "keep", leave them running."""
        if self.guests_on_stop != "shutdown":
            return
        running = [p for p in map(self._proc, self.list_instances()) if p.status() == "running"]
        for proc in running:
            spec = proc.spec()
            spec["resume_on_boot"] = True
            proc.save(spec)
        stoppers = [threading.Thread(target=self._shutdown, args=(p,), daemon=True)
                    for p in running]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join(self.shutdown_timeout + 10)

    def describe(self) -> str:
        return f"{self.accel.name.upper()}, because {self.accel.reason}"

    def cpu_info(self) -> dict[str, Any]:
        return {**accel_probe.cpu_info(), "accelerator": self.accel.name,
                "accelerator_reason": self.accel.reason}

    def get_available_resource(self) -> dict[str, Any]:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        usage = shutil.disk_usage(self.root if self.root.exists() else self.root.parent)
        found = [self._spec_or_none(uuid) for uuid in self.list_instances()]
        specs = [s for s in found if s is not None]
        return {
            "vcpus": os.cpu_count() or 1, "memory_mb": pages // (1024 * 1024),
            "local_gb": usage.total // disks.GB,
            "vcpus_used": sum(int(s["vcpus"]) for s in specs),
            "memory_mb_used": sum(int(s["ram"]) for s in specs),
            "local_gb_used": sum(int(s.get("root_gb", 0)) for s in specs),
            "hypervisor_type": self.hypervisor_type, "hypervisor_version": 7002000,
            # Guests under TCG are slow, not large: overcommit as Nova's defaults do.
            "cpu_allocation_ratio": 16.0, "ram_allocation_ratio": 1.5,
            "disk_allocation_ratio": 1.0, "reserved_host_memory_mb": 512,
            "accelerator": self.accel.name, "accelerator_reason": self.accel.reason,
        }

    def list_instances(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and not p.name.startswith("_") and (p / "guest.json").exists())

    def _proc(self, uuid: str) -> GuestProcess:
        return GuestProcess(self.root / uuid, self.binary, self.accel.name, self.accel.cpu,
                            secrets=self._volume_key)

    def _spec_or_none(self, uuid: str) -> dict[str, Any] | None:
        try:
            return self._proc(uuid).spec()
        except DriverError:
            return None

    def _existing(self, instance: dict[str, Any]) -> GuestProcess:
        proc = self._proc(instance["uuid"])
        if not proc.spec_file.exists():
            raise DriverError(reason=f"Instance {instance['uuid']} is not on host {self.host}.")
        return proc

    # -- build and delete ------------------------------------------------------------------
    def spawn(self, instance: dict[str, Any], image: dict[str, Any] | None,
              block_devices: list[dict[str, Any]] | None = None) -> None:
        # Volumes connected for it: the one with boot index 0 is the root disk when there
        # is no image (boot from volume).
        at_boot = []
        for bdm in block_devices or []:
            disk = hotplug.disk_for(bdm.get("connection_info") or {},
                                    str(bdm.get("device_name") or ""))
            if bdm.get("boot_index") == 0 and image is None:
                disk["bootindex"] = 1
            at_boot.append(disk)
        if image is None and not any("bootindex" in d for d in at_boot):
            raise DriverError(reason="Nothing to boot from: no image and no boot volume.")
        if image is not None and self._download is None:
            raise DriverError(reason="The qemu driver was given no image service.")
        proc = self._proc(instance["uuid"])
        proc.dir.mkdir(parents=True, exist_ok=True)
        flavor = instance["flavor"]
        root_gb = int(flavor.get("disk") or 0)
        disk_list: list[dict[str, Any]] = []
        if image is not None:
            assert self._download is not None
            base, base_format = self.images.fetch(image, self._download)
            size = self.images.virtual_size(base, base_format)
            if root_gb and size > root_gb * disks.GB:
                raise DriverError(reason=f"Flavor's disk is too small for requested image: "
                                         f"the image is {size} bytes, the flavor's disk "
                                         f"{root_gb} GB.")
            if int(image.get("min_ram") or 0) > int(flavor.get("ram") or 0):
                raise DriverError(reason="Flavor's memory is too small for requested image.")
            disk_list.append({"id": "root", "path": str(proc.dir / "disk"), "format": "qcow2",
                              "bootindex": 1})
            disks.overlay(base, base_format, proc.dir / "disk", root_gb)
        else:
            root_gb = 0
        if int(flavor.get("ephemeral") or flavor.get("OS-FLV-EXT-DATA:ephemeral") or 0):
            eph = proc.dir / "disk.eph0"
            disks.blank(eph, int(flavor.get("ephemeral") or flavor["OS-FLV-EXT-DATA:ephemeral"])
                        * 1024)
            disk_list.append({"id": "eph0", "path": str(eph), "format": "qcow2"})
        if int(flavor.get("swap") or 0):
            swap = proc.dir / "disk.swap"
            disks.blank(swap, int(flavor["swap"]))
            disk_list.append({"id": "swap", "path": str(swap), "format": "qcow2"})
        files = instance.get("metadata_files")
        if files:
            configdrive.write(dict(files), proc.dir / "disk.config")
            disk_list.append({"id": "config", "path": str(proc.dir / "disk.config"),
                              "format": "raw", "readonly": True})
        disk_list += at_boot
        nics = [qemu_nics.nic_for(p, p.get("mac") or _mac_for(instance["uuid"], i))
                for i, p in enumerate(instance.get("ports") or [])]
        nics = nics or [{"mac": _mac_for(instance["uuid"], 0), "port_id": None}]
        if not nics[0].get("tap"):
            # User networking: the first NIC forwards a loopback port to the guest's SSH.
            nics[0]["forwards"] = {"22": free_port()}
        spec = {"uuid": instance["uuid"], "name": instance["name"],
                "vcpus": int(flavor.get("vcpus") or 1), "ram": int(flavor.get("ram") or 512),
                "root_gb": root_gb, "disks": disk_list, "nics": nics,
                "vnc_port": free_vnc_port(), "serial_port": free_port(),
                "image_id": image["id"] if image is not None else None}
        proc.save(spec)
        proc.start(spec)

    def destroy(self, instance: dict[str, Any]) -> None:
        proc = self._proc(instance["uuid"])
        with proc.lock:
            proc.kill()
            disks.remove_tree(proc.dir)

    # -- power -----------------------------------------------------------------------------
    def power_off(self, instance: dict[str, Any]) -> None:
        proc = self._existing(instance)
        with proc.lock:
            self._shutdown(proc)
            (proc.dir / SUSPEND_FILE).unlink(missing_ok=True)

    def _shutdown(self, proc: GuestProcess) -> None:
        """An ACPI power button press, then a hard stop if the guest has not gone in time."""
        if not proc.running():
            return
        if proc.status() == "running":
            with contextlib.suppress(DriverError):
                proc.qmp("system_powerdown")
            if proc.wait_gone(self.shutdown_timeout):
                return
            LOG.warning("guest %s did not power off within %d s; stopped hard",
                        proc.dir.name, self.shutdown_timeout)
        proc.kill()

    def power_on(self, instance: dict[str, Any]) -> None:
        proc = self._existing(instance)
        with proc.lock:
            if proc.running():
                return
            suspended = proc.dir / SUSPEND_FILE
            if suspended.exists():
                self._resume_from(proc, suspended)
            else:
                proc.start(proc.spec())

    def reboot(self, instance: dict[str, Any], hard: bool) -> None:
        proc = self._existing(instance)
        with proc.lock:
            if hard or proc.status() != "running":
                if proc.running():
                    proc.qmp("system_reset")
                    if proc.status() == "paused":
                        proc.qmp("cont")
                    return
                proc.start(proc.spec())
                return
            # Soft: the guest shuts itself down, then starts again, as Nova's libvirt driver
            # does it; one that does not go in time is reset.
            proc.qmp("system_powerdown")
            if not proc.wait_gone(self.shutdown_timeout):
                proc.kill()
            proc.start(proc.spec())

    def pause(self, instance: dict[str, Any]) -> None:
        self._existing(instance).qmp("stop")

    def unpause(self, instance: dict[str, Any]) -> None:
        self._existing(instance).qmp("cont")

    def suspend(self, instance: dict[str, Any]) -> None:
        """The guest's memory and devices saved to a file, and QEMU stopped."""
        proc = self._existing(instance)
        with proc.lock:
            target = proc.dir / SUSPEND_FILE
            proc.qmp("stop")
            proc.qmp("migrate", uri=f"exec:cat > {target}")
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                state = proc.qmp("query-migrate").get("status")
                if state == "completed":
                    break
                if state in ("failed", "cancelled"):
                    proc.qmp("cont")
                    raise DriverError(reason=f"Saving the guest's state failed ({state}).")
                time.sleep(0.1)
            proc.kill()

    def resume(self, instance: dict[str, Any]) -> None:
        proc = self._existing(instance)
        with proc.lock:
            suspended = proc.dir / SUSPEND_FILE
            if not suspended.exists():
                raise DriverError(reason="The guest has no saved state to resume from.")
            self._resume_from(proc, suspended)

    def _resume_from(self, proc: GuestProcess, state: Path) -> None:
        proc.start(proc.spec(), incoming=f"exec:cat {state}")
        deadline = time.monotonic() + 600
        while proc.status() in ("inmigrate", "prelaunch") and time.monotonic() < deadline:
            time.sleep(0.1)
        if proc.status() == "paused":
            proc.qmp("cont")
        state.unlink(missing_ok=True)

    def power_state(self, instance: dict[str, Any]) -> int:
        proc = self._proc(instance["uuid"])
        status = proc.status()
        if status is None:
            if (proc.dir / SUSPEND_FILE).exists():
                return PowerState.SUSPENDED
            return PowerState.SHUTDOWN if proc.spec_file.exists() else PowerState.NOSTATE
        if status in ("paused", "suspended"):
            return PowerState.PAUSED
        if status in ("guest-panicked", "internal-error"):
            return PowerState.CRASHED
        return PowerState.RUNNING

    def inject_nmi(self, instance: dict[str, Any]) -> None:
        self._existing(instance).qmp("inject-nmi")

    # -- images ----------------------------------------------------------------------------
    def snapshot(self, instance: dict[str, Any]) -> SnapshotData:
        """The root disk as a standalone qcow2; a running guest is paused for the copy."""
        proc = self._existing(instance)
        target = proc.dir / f"snapshot-{time.monotonic_ns()}.qcow2"
        with proc.lock:
            paused = proc.status() == "running"
            if paused:
                proc.qmp("stop")
            try:
                disks.copy_out(proc.dir / "disk", target)
            finally:
                if paused:
                    proc.qmp("cont")
        return SnapshotData(disk_format="qcow2", chunks=disks.chunks_of(target))

    # -- resize, rescue and migration ------------------------------------------------------
    def migrate_disk_and_power_off(self, instance: dict[str, Any], dest_host: str,
                                   flavor: dict[str, Any]) -> dict[str, Any]:
        proc = self._existing(instance)
        with proc.lock:
            spec = proc.spec()
            new_gb = int(flavor.get("disk") or 0)
            if new_gb and new_gb < int(spec.get("root_gb") or 0):
                raise DriverError(reason="Resize error: unable to resize disk down.")
            self._shutdown(proc)
            (proc.dir / SUSPEND_FILE).unlink(missing_ok=True)
            return moves.keep_aside(proc, self.root, flavor)

    def finish_migration(self, instance: dict[str, Any], disk_info: dict[str, Any],
                         image: dict[str, Any] | None, power_on: bool) -> None:
        proc = self._proc(instance["uuid"])
        with proc.lock:
            spec = moves.finish(proc, disk_info, instance["flavor"])
            proc.save(qemu_nics.retap(spec, instance.get("ports") or []))
            if power_on:
                proc.start(spec)

    def confirm_migration(self, instance: dict[str, Any]) -> None:
        moves.drop_kept(self.root, instance["uuid"])

    def finish_revert_migration(self, instance: dict[str, Any], power_on: bool) -> None:
        proc = self._proc(instance["uuid"])
        with proc.lock:
            moves.bring_back(proc, self.root)
            proc.save(qemu_nics.retap(proc.spec(), instance.get("ports") or []))
            if power_on:
                proc.start(proc.spec())

    def rescue(self, instance: dict[str, Any], image: dict[str, Any] | None,
               password: str | None) -> None:
        """Boot a fresh disk of the rescue image (or the guest's own image), the guest's own
        disk attached second."""
        proc = self._existing(instance)
        spec = proc.spec()
        if image is not None and self._download is not None:
            base, base_format = self.images.fetch(image, self._download)
        else:
            base = self.images.path(str(spec["image_id"]))
            if not base.exists():
                raise DriverError(reason="The guest's own image is no longer on this host; "
                                         "name a rescue image.")
            base_format = str(disks.info(base)["format"])
        with proc.lock:
            self._shutdown(proc)
            rescuing = moves.rescue_spec(proc, base, base_format)
            proc.start(rescuing)
            spec["rescued"] = True
            proc.save(spec)

    def unrescue(self, instance: dict[str, Any]) -> None:
        proc = self._existing(instance)
        with proc.lock:
            proc.kill()
            (proc.dir / "disk.rescue").unlink(missing_ok=True)
            spec = proc.spec()
            spec.pop("rescued", None)
            proc.save(spec)
            proc.start(spec)

    def live_migration(self, instance: dict[str, Any], dest_host: str) -> dict[str, Any]:
        """QEMU's own migration, to a QEMU started for the guest in ``dest_host``'s
        directory (hosts of this driver share the machine's file system)."""
        proc = self._existing(instance)
        dest = GuestProcess(self.root.parent / dest_host / instance["uuid"], self.binary,
                            self.accel.name, self.accel.cpu, secrets=self._volume_key)
        with proc.lock:
            return moves.live_migrate(proc, dest, timeout=600,
                                      ports=instance.get("migrate_ports") or [])

    def post_live_migration_at_destination(self, instance: dict[str, Any],
                                           migrate_data: dict[str, Any]) -> None:
        if not self._proc(instance["uuid"]).running():
            raise DriverError(reason=f"The guest {instance['uuid']} is not running on "
                                     f"{self.host} after its live migration.")

    # -- volumes (files of this machine, or NBD exports) ---------------------------------------
    def get_volume_connector(self, instance: dict[str, Any]) -> dict[str, Any]:
        return hotplug.volume_connector(self.host)

    def attach_volume(self, instance: dict[str, Any], connection_info: dict[str, Any],
                      device: str) -> None:
        hotplug.attach(self._existing(instance), connection_info, device)

    def detach_volume(self, instance: dict[str, Any], connection_info: dict[str, Any] | None,
                      device: str) -> None:
        proc = self._proc(instance["uuid"])
        if proc.spec_file.exists():
            hotplug.detach(proc, device, self.shutdown_timeout)

    def extend_volume(self, instance: dict[str, Any], connection_info: dict[str, Any],
                      requested_size: int) -> None:
        hotplug.resize(self._existing(instance), connection_info, requested_size)

    def attach_interface(self, instance: dict[str, Any], port: dict[str, Any]) -> None:
        hotplug.plug_nic(self._existing(instance), port)

    def detach_interface(self, instance: dict[str, Any], port: dict[str, Any]) -> None:
        proc = self._proc(instance["uuid"])
        if proc.spec_file.exists():
            hotplug.unplug_nic(proc, port, self.shutdown_timeout)

    # -- what the guest shows ----------------------------------------------------------------
    def get_console_output(self, instance: dict[str, Any]) -> str:
        return self._existing(instance).console_log()

    def get_console(self, instance: dict[str, Any], console_type: str) -> dict[str, Any]:
        spec = self._existing(instance).spec()
        if console_type in ("novnc", "vnc"):
            return {"host": "127.0.0.1", "port": int(spec["vnc_port"])}
        if console_type == "serial":
            return {"host": "127.0.0.1", "port": int(spec["serial_port"])}
        raise DriverError(reason=f"The qemu driver has no {console_type} console.")

    def ssh_address(self, instance: dict[str, Any]) -> tuple[str, int]:
        """Where the guest's SSH server answers on this host (its forwarded loopback port)."""
        spec = self._existing(instance).spec()
        return "127.0.0.1", int(spec["nics"][0]["forwards"]["22"])

    def get_diagnostics(self, instance: dict[str, Any]) -> dict[str, Any]:
        return diagnostics.of(self._existing(instance), self.accel.name)


def _mac_for(uuid: str, index: int) -> str:
    digits = uuid.replace("-", "")
    return f"fa:16:3e:{digits[0:2]}:{digits[2:4]}:{index:02x}"
