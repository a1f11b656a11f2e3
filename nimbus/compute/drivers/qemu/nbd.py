"""Volumes a volume host serves over NBD (``driver_volume_type`` ``nbd``), opened by the
guest's QEMU as an NBD client: no kernel module, no device node on the compute host.

Such a volume is two block nodes: an ``nbd`` client node connected to the export, and a ``raw``
node on top of it that the guest's device uses, named as a file volume's node is. The export
already is the guest's raw view (the volume host opens any qcow2 or LUKS layer), so nothing is
decoded here. The raw node is there so that a grown volume can be taken up: NBD tells a client
the size only when it connects, and QEMU never grows a client node; so once the volume host
serves the export at its new size, a second client node connects, the raw node is re-pointed to
it (``blockdev-reopen``) and resized, which the guest sees, and the first connection closes.
The two client nodes take turns (``-n0``, ``-n1``); the disk's record names the current one.

A client reconnects by itself and, for ``RECONNECT_DELAY`` seconds, holds the guest's requests
instead of failing them, so a volume host that serves the export again (after it restarted, or
while it grows the volume) costs the guest a pause rather than I/O errors.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Protocol

from nimbus.compute.drivers.base import DriverError

RECONNECT_DELAY = 30


class Monitor(Protocol):
    """What is used of a running guest's ``GuestProcess``: its QMP."""

    def qmp(self, command: str, **args: Any) -> Any: ...


def disk_fields(data: dict[str, Any], node: str) -> dict[str, Any]:
    """What a disk record keeps of an NBD volume's connection info (``node``: its raw node)."""
    try:
        host, port, export = str(data["host"]), int(data["port"]), str(data["export_name"])
    except (KeyError, TypeError, ValueError):
        raise DriverError(reason="The NBD volume's connection info names no host, port and "
                                 "export.") from None
    if not host or not export or not 0 < port < 65536:
        raise DriverError(reason="The NBD volume's connection info names no usable server.")
    return {"nbd": {"host": host, "port": port, "export": export},
            "nbd_node": client_nodes(node)[0], "format": "raw"}


def client_nodes(node: str) -> tuple[str, str]:
    """The two names a volume's client node takes in turn (each at most 31 characters)."""
    return f"{node}-n0", f"{node}-n1"


def client_spec(disk: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """``blockdev-add`` arguments of the client node connected to the disk's export."""
    where = disk["nbd"]
    return {"driver": "nbd", "node-name": name or disk["nbd_node"],
            "server": {"type": "inet", "host": where["host"], "port": str(where["port"])},
            "export": where["export"], "reconnect-delay": RECONNECT_DELAY,
            "read-only": bool(disk.get("readonly"))}


def raw_spec(disk: dict[str, Any], client: str | None = None) -> dict[str, Any]:
    """``blockdev-add`` (or ``blockdev-reopen``) arguments of the node the device uses."""
    return {"driver": "raw", "node-name": disk["id"], "file": client or disk["nbd_node"],
            "read-only": bool(disk.get("readonly"))}


def blockdev_args(disk: dict[str, Any]) -> list[str]:
    """The disk's nodes on QEMU's command line (JSON, so that no value needs escaping)."""
    return ["-blockdev", json.dumps(client_spec(disk)), "-blockdev", json.dumps(raw_spec(disk))]


def plug_nodes(proc: Monitor, disk: dict[str, Any]) -> None:
    """Connect the disk's nodes in a running QEMU (a hot-plug); none is left on failure."""
    proc.qmp("blockdev-add", **client_spec(disk))
    try:
        proc.qmp("blockdev-add", **raw_spec(disk))
    except DriverError:
        _drop(proc, disk["nbd_node"])
        raise


def grow(proc: Monitor, disk: dict[str, Any], size: int) -> None:
    """Show a running guest the volume at ``size`` bytes, which its host serves already: a new
    connection sees the size, the raw node moves onto it and grows, the old one closes."""
    old = str(disk["nbd_node"])
    first, second = client_nodes(disk["id"])
    new = second if old == first else first
    if new in _nodes(proc):
        _drop(proc, new)    # a turn an earlier grow cut short
    proc.qmp("blockdev-add", **client_spec(disk, new))
    try:
        served = _length(proc, new)
        if served < size:
            raise DriverError(reason=f"The volume host serves {served} bytes of the volume, "
                                     f"not {size}.")
        proc.qmp("blockdev-reopen", options=[raw_spec(disk, new)])
    except DriverError:
        _drop(proc, new)
        raise
    proc.qmp("block_resize", **{"node-name": disk["id"], "size": int(size)})
    disk["nbd_node"] = new
    # One still held is closed by the next grow or the unplug.
    with contextlib.suppress(DriverError):
        _drop(proc, old)


def drop_clients(proc: Monitor, node: str) -> None:
    """Close the client nodes under ``node`` once the node itself is gone (an unplug)."""
    present = _nodes(proc)
    for name in client_nodes(node):
        if name in present:
            _drop(proc, name)


def _drop(proc: Monitor, name: str) -> None:
    try:
        proc.qmp("blockdev-del", **{"node-name": name})
    except DriverError:
        # Still held (by a node being reopened): a later unplug or grow closes it.
        if name in _nodes(proc):
            raise


def _nodes(proc: Monitor) -> set[str]:
    return {str(n.get("node-name")) for n in proc.qmp("query-named-block-nodes", flat=True)}


def _length(proc: Monitor, name: str) -> int:
    for node in proc.qmp("query-named-block-nodes", flat=True):
        if node.get("node-name") == name:
            return int((node.get("image") or {}).get("virtual-size") or 0)
    raise DriverError(reason=f"QEMU has no node {name}.")
