"""Devices plugged into a running guest over QMP: volumes (files, or NBD exports), and NICs.

A volume is a ``-blockdev`` node with a ``virtio-blk-pci`` device on it, plugged with
``blockdev-add`` and ``device_add`` while the guest runs and kept in the guest's record, so
that the next start plugs it again; its front-end QoS is the device's I/O throttle. A volume
served over NBD is a raw node on an NBD client node (``nbd.py``).
Unplugging asks the guest to let go (``device_del`` is an ACPI eject the guest's kernel
answers), and only then closes the file.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from nimbus.compute.drivers.base import DriverError, VolumeKeys
from nimbus.compute.drivers.qemu import nbd, nics, throttle
from nimbus.compute.drivers.qemu.process import VOLUME_WRITE_CACHE, GuestProcess, secret_id
from nimbus.core.hostid import machine_id
from nimbus.core.secret_pipe import secret_fd, secret_object

# Cinder's front-end encryption providers, by name or by os-brick's class name.
ENCRYPTION_PROVIDERS = frozenset({"luks", "luks2", "plain", "LuksEncryptor", "Luks2Encryptor",
                                  "CryptsetupEncryptor"})


def volume_key(volumes: VolumeKeys, volume_id: str) -> str:
    """An encrypted volume's key, from the volume service each time it is needed. Every
    front-end provider is opened the same way: the file backend keeps the LUKS header inside
    the volume's qcow2, which QEMU decrypts itself."""
    secret = volumes.encryption_secret(volume_id)
    provider = str(secret.get("provider") or "")
    if provider.rsplit(".", 1)[-1] not in ENCRYPTION_PROVIDERS:
        raise DriverError(reason=f"Volume encryption provider {provider} is not supported.")
    return str(secret["passphrase"])


def volume_connector(host: str) -> dict[str, Any]:
    """What ``host`` tells a volume host about itself (Cinder's connector). The machine's id
    tells it whether this host can open its files itself or needs them over the network."""
    return {"host": host, "initiator": f"iqn.2026-01.org.nimbus:{host}", "ip": "127.0.0.1",
            "multipath": False, "platform": "x86_64", "os_type": "linux2",
            "machine_id": machine_id()}


def node_name(volume_id: str) -> str:
    """A QEMU node name for the volume (a letter first, at most 31 characters)."""
    return "vol" + volume_id.replace("-", "")[:24]


def disk_for(connection_info: dict[str, Any], device: str) -> dict[str, Any]:
    """The guest's disk record for the volume Cinder described."""
    kind = connection_info.get("driver_volume_type")
    data = connection_info.get("data") or {}
    if kind == "nbd" and data.get("volume_id"):
        volume_id = str(data["volume_id"])
        # The export is the guest's raw view: nothing to decrypt here, whatever the volume is.
        disk = {"id": node_name(volume_id), **nbd.disk_fields(data, node_name(volume_id))}
    elif kind == "file" and data.get("path"):
        volume_id = str(data.get("volume_id") or Path(str(data["path"])).stem)
        disk = {"id": node_name(volume_id), "path": str(data["path"]),
                "format": str(data.get("format") or "qcow2")}
        if data.get("encrypted"):
            disk["encrypted"] = True
    else:
        raise DriverError(reason=f"The qemu driver attaches file and nbd volumes only; this "
                                 f"one is {kind or 'of no known kind'}.")
    disk.update({"serial": volume_id[:20], "volume": True, "device": device,
                 "readonly": data.get("access_mode") == "ro", "volume_id": volume_id})
    # The volume type's front-end QoS: kept with the disk, so each start applies it again.
    limits = throttle.limits(data.get("qos_specs"))
    if limits:
        disk["throttle"] = limits
    return disk


def attach(proc: GuestProcess, connection_info: dict[str, Any], device: str) -> None:
    disk = disk_for(connection_info, device)
    with proc.lock:
        spec = proc.spec()
        if proc.running() and f"dev-{disk['id']}" not in proc.devices():
            # A node an earlier unplug could not close yet (the guest let go of the device
            # late) goes now, or the volume could not come back to this guest.
            if disk["id"] in _nodes(proc):
                _close_node(proc, disk["id"], 10.0)
            if disk.get("nbd"):
                nbd.drop_clients(proc, disk["id"])
                nbd.plug_nodes(proc, disk)
            else:
                _add_file_node(proc, disk)
            try:
                proc.qmp("device_add", driver="virtio-blk-pci", drive=disk["id"],
                         id=f"dev-{disk['id']}", serial=disk["serial"],
                         **{"write-cache": VOLUME_WRITE_CACHE})
            except DriverError:
                with contextlib.suppress(DriverError):
                    _close_node(proc, disk["id"], 10.0)
                raise
            if disk.get("throttle"):
                try:
                    proc.qmp("block_set_io_throttle",
                             **throttle.command(f"dev-{disk['id']}", disk["throttle"]))
                except DriverError:
                    # An unthrottled disk would escape its QoS: the attach fails instead.
                    with contextlib.suppress(DriverError):
                        _unplug(proc, disk["id"], 10.0)
                    raise
        spec["disks"] = [d for d in spec["disks"] if d["id"] != disk["id"]] + [disk]
        proc.save(spec)


def _add_file_node(proc: GuestProcess, disk: dict[str, Any]) -> None:
    node: dict[str, Any] = {
        "driver": disk["format"], "node-name": disk["id"], "read-only": disk["readonly"],
        "file": {"driver": "file", "filename": disk["path"]}}
    if disk.get("encrypted"):
        # The key goes over the guest's private QMP socket, never to a file.
        proc.qmp("object-add", **{"qom-type": "secret", "id": secret_id(disk),
                                  "data": proc.secret(disk), "format": "raw"})
        node["encrypt"] = {"format": "luks", "key-secret": secret_id(disk)}
    try:
        proc.qmp("blockdev-add", **node)
    except DriverError:
        _drop_secret(proc, disk["id"])
        raise


def resize(proc: GuestProcess, connection_info: dict[str, Any], size: int) -> None:
    """Grow an attached volume's file to ``size`` bytes: through the guest's QEMU, which holds
    it open and locked (``block_resize``, and the guest's kernel sees the new capacity), or
    with ``qemu-img`` while the guest is off. A volume served over NBD was grown by its host;
    the guest is shown the new size (a guest that is off sees it when it starts)."""
    data = connection_info.get("data") or {}
    volume_id = str(data.get("volume_id") or "")
    with proc.lock:
        spec = proc.spec()
        disk = next((d for d in spec["disks"] if d["id"] == node_name(volume_id)), None)
        if disk is None:
            raise DriverError(reason=f"Volume {volume_id} is not attached to this guest.")
        if disk.get("nbd"):
            if proc.running():
                nbd.grow(proc, disk, int(size))
                proc.save(spec)
            return
        if proc.running():
            proc.qmp("block_resize", **{"node-name": disk["id"], "size": int(size)})
            return
        if disk.get("encrypted"):
            with secret_fd(proc.secret(disk)) as fd:
                done = subprocess.run(
                    ["qemu-img", "resize", "-q", "--object", secret_object("key", fd),
                     "--image-opts", f"driver={disk['format']},file.filename={disk['path']},"
                                     "encrypt.key-secret=key", str(int(size))],
                    capture_output=True, text=True, timeout=600, check=False, pass_fds=(fd,))
        else:
            done = subprocess.run(["qemu-img", "resize", "-q", "-f", disk["format"],
                                   disk["path"], str(int(size))], capture_output=True, text=True,
                                  timeout=600, check=False)
        if done.returncode != 0:
            raise DriverError(reason=f"qemu-img could not grow volume {volume_id}: "
                                     f"{done.stderr.strip()[-200:]}")


def detach(proc: GuestProcess, device: str, timeout: float) -> None:
    with proc.lock:
        spec = proc.spec()
        for disk in [d for d in spec["disks"] if d.get("volume") and d.get("device") == device]:
            if proc.running():
                _unplug(proc, disk["id"], timeout)
            spec["disks"] = [d for d in spec["disks"] if d["id"] != disk["id"]]
        proc.save(spec)


def _unplug(proc: GuestProcess, node: str, timeout: float) -> None:
    _release(proc, f"dev-{node}", timeout, "volume")
    _close_node(proc, node, timeout)


# How often an unanswered unplug request is made again.
_ASK_AGAIN = 5.0


def _release(proc: GuestProcess, device: str, timeout: float, what: str) -> None:
    """Ask the guest to let go of ``device`` (an ACPI eject) until it has. A guest still
    booting has no hot-plug driver to hear the first request, and the event is lost, so the
    request is made again every few seconds, as libvirt's callers retry a detach."""
    if device not in proc.devices():
        return
    proc.qmp("device_del", id=device)
    deadline = time.monotonic() + timeout
    asked = time.monotonic()
    while device in proc.devices():
        now = time.monotonic()
        if now > deadline:
            raise DriverError(reason=f"The guest did not release the {what} in {timeout:.0f} "
                                     "s.")
        if now - asked >= _ASK_AGAIN:
            # QEMU refuses a request while one is pending on some buses; that is no failure.
            with contextlib.suppress(DriverError):
                proc.qmp("device_del", id=device)
            asked = now
        time.sleep(0.2)


def _nodes(proc: GuestProcess) -> set[str]:
    return {str(n.get("node-name")) for n in proc.qmp("query-named-block-nodes", flat=True)}


def _close_node(proc: GuestProcess, node: str, timeout: float) -> None:
    """Close the volume's node. The device is gone from the tree before QEMU has dropped its
    hold on the node, and ``blockdev-del`` refuses a node in use: try until it is closed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            proc.qmp("blockdev-del", **{"node-name": node})
            _drop_secret(proc, node)
            nbd.drop_clients(proc, node)
            return
        except DriverError:
            if node not in _nodes(proc):
                _drop_secret(proc, node)
                nbd.drop_clients(proc, node)
                return
            if time.monotonic() > deadline:
                raise DriverError(reason=f"QEMU did not close the volume's node {node} in "
                                         f"{timeout:.0f} s.") from None
        time.sleep(0.2)


def _drop_secret(proc: GuestProcess, node: str) -> None:
    """The key of a closed volume's node leaves QEMU too (none is there for a plain one)."""
    with contextlib.suppress(DriverError):
        proc.qmp("object-del", id=secret_id({"id": node}))


def plug_nic(proc: GuestProcess, port: dict[str, Any]) -> None:
    """A NIC for ``port`` (its tap, or user networking), hot-plugged when the guest runs and
    kept in its record."""
    with proc.lock:
        spec = proc.spec()
        if any(n.get("port_id") == port["port_id"] for n in spec["nics"]):
            return
        index = max((int(n.get("index", i)) for i, n in enumerate(spec["nics"])), default=-1) + 1
        nic = {**nics.nic_for(port, str(port.get("mac"))), "index": index}
        if proc.running():
            if nic.get("tap"):
                fd = nics.open_fd(nic)
                try:
                    proc.pass_fd(f"tap{index}", fd)
                finally:
                    os.close(fd)
                proc.qmp("netdev_add", type="tap", id=f"net{index}", fd=f"tap{index}",
                         vhost=False)
            else:
                proc.qmp("netdev_add", type="user", id=f"net{index}", restrict=True)
            try:
                proc.qmp("device_add", driver="virtio-net-pci", netdev=f"net{index}",
                         mac=nic["mac"], id=f"nic{index}")
            except DriverError:
                with contextlib.suppress(DriverError):
                    proc.qmp("netdev_del", id=f"net{index}")
                raise
        spec["nics"].append(nic)
        proc.save(spec)


def unplug_nic(proc: GuestProcess, port: dict[str, Any], timeout: float) -> None:
    with proc.lock:
        spec = proc.spec()
        for i, nic in enumerate(list(spec["nics"])):
            if nic.get("port_id") != port["port_id"]:
                continue
            index = int(nic.get("index", i))
            if proc.running() and f"nic{index}" in proc.devices():
                _release(proc, f"nic{index}", timeout, "interface")
                with contextlib.suppress(DriverError):
                    proc.qmp("netdev_del", id=f"net{index}")
            spec["nics"].remove(nic)
        proc.save(spec)
