"""A guest's NICs: QEMU user networking until a real network driver binds the port, and then
the tap that driver's agent made for it.

A port the ``linux`` network driver bound has ``binding:vif_type`` ``tap`` and names the tap
and its namespace in ``vif_details``. QEMU stays in the machine's own namespace (its VNC,
serial and QMP live on loopback there); the tap is opened inside the cloud's fabric namespace
and handed to QEMU as a file descriptor (``-netdev tap,fd=``, or over QMP with ``getfd`` for a
hot-plug). The taps are multi-queue, so two QEMUs may hold one while a guest migrates. There is
no vhost: QEMU moves the packets itself.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from typing import Any

from nimbus.compute.drivers.base import DriverError
from nimbus.core.netns import NetnsError, open_tap, run_in

# Seconds a guest's start waits for its tap to appear.
TAP_WAIT = 30.0


def nic_for(port: dict[str, Any], mac: str) -> dict[str, Any]:
    """The guest's record of the NIC for ``port`` (as compute's port info gives it)."""
    nic: dict[str, Any] = {"mac": mac, "port_id": port.get("port_id")}
    details = port.get("vif_details") or {}
    if port.get("vif_type") == "tap" and details.get("netns") and details.get("devname"):
        nic["tap"] = {"netns": str(details["netns"]), "devname": str(details["devname"])}
    return nic


def retap(spec: dict[str, Any], ports: list[dict[str, Any]]) -> dict[str, Any]:
    """The spec with each NIC's tap as ``ports`` (the records of the host the guest moves to)
    say: a host of a machine that plays several has its taps in a fabric of its own."""
    by_id = {p.get("port_id"): p for p in ports}
    for nic in spec.get("nics") or []:
        port = by_id.get(nic.get("port_id"))
        if port is None:
            continue
        fresh = nic_for(port, nic.get("mac") or "")
        if fresh.get("tap"):
            nic["tap"] = fresh["tap"]
    return spec


def open_fd(nic: dict[str, Any], wait: float = TAP_WAIT) -> int:
    """A descriptor on the NIC's tap. A network agent that starts after this compute agent
    (another process of a scaled cloud) makes the tap a little later: it is waited for."""
    tap = nic["tap"]
    deadline = time.monotonic() + wait
    while True:
        if tap_exists(tap["netns"], tap["devname"]):
            try:
                return open_tap(tap["netns"], tap["devname"])
            except (NetnsError, OSError) as exc:
                raise DriverError(reason=f"The tap of port {nic.get('port_id')} cannot be "
                                         f"opened: {exc}") from None
        if time.monotonic() > deadline:
            raise DriverError(reason=f"The tap of port {nic.get('port_id')} "
                                     f"({tap['devname']} in {tap['netns']}) was not made by the "
                                     f"network agent within {wait:.0f} s.")
        time.sleep(0.2)


def tap_exists(namespace: str, device: str) -> bool:
    """Whether ``device`` is in ``namespace`` (looked at from inside it: opening a tap that
    is not there would make a new, unbridged one)."""
    def look() -> bool:
        # A socket made in the namespace's thread asks that namespace (sysfs would answer
        # for the machine's own).
        try:
            return socket.if_nametoindex(device) > 0
        except OSError:
            return False

    try:
        return run_in(namespace, look)
    except NetnsError:
        return False


def open_fds(spec: dict[str, Any]) -> dict[int, int]:
    """A descriptor for each tap NIC, by NIC index; the caller closes them."""
    fds: dict[int, int] = {}
    try:
        for position, nic in enumerate(spec["nics"]):
            if nic.get("tap"):
                fds[int(nic.get("index", position))] = open_fd(nic)
    except DriverError:
        close(fds)
        raise
    return fds


def close(fds: dict[int, int]) -> None:
    for fd in fds.values():
        with contextlib.suppress(OSError):
            os.close(fd)


def netdev_arg(nic: dict[str, Any], index: int, fds: dict[int, int]) -> str:
    if nic.get("tap"):
        if index not in fds:
            raise DriverError(reason=f"No tap descriptor for NIC {index}.")
        return f"tap,id=net{index},fd={fds[index]},vhost=off"
    forwards = "".join(f",hostfwd=tcp:127.0.0.1:{host}-:{guest}"
                       for guest, host in sorted(nic.get("forwards", {}).items()))
    return f"user,id=net{index},restrict=on{forwards}"
