"""Doing one thing inside a network namespace Nimbus made, from a process that stays outside.

A namespace is entered by one short-lived thread (``setns`` changes the calling thread's
network namespace only; Python 3.11 has no ``os.setns``, hence ctypes), which does its job and
ends, so no other thread of the cloud ever runs in a namespace. What such a thread opens keeps
its namespace: a tap opened there is the namespace's device, a socket bound there listens there.
Only namespaces under ``/run/netns`` whose name has the cloud's prefix are entered.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

NETNS_DIR = Path("/run/netns")
_CLONE_NEWNET = 0x40000000
_TUNSETIFF = 0x400454CA
_IFF_TAP = 0x0002
_IFF_NO_PI = 0x1000
_IFF_VNET_HDR = 0x4000
_IFF_MULTI_QUEUE = 0x0100


class NetnsError(OSError):
    """A namespace that is missing or may not be entered, or a device that is not there."""


def _setns(name: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(NETNS_DIR / name, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise NetnsError(err, f"cannot enter network namespace {name}: {os.strerror(err)}")
    finally:
        os.close(fd)


def run_in(name: str, job: Callable[[], T], prefix: str = "nimbus-") -> T:
    """``job()`` run by a thread inside namespace ``name``; its result, or its exception."""
    if not name.startswith(prefix) or "/" in name:
        raise NetnsError(f"{name} is not a namespace of this cloud")
    if not (NETNS_DIR / name).exists():
        raise NetnsError(f"network namespace {name} does not exist")
    result: list[T] = []
    failure: list[BaseException] = []

    def body() -> None:
        try:
            _setns(name)
            result.append(job())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=body, name=f"netns-{name[-12:]}", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


def open_tap(namespace: str, device: str, multi_queue: bool = True) -> int:
    """A file descriptor on the persistent tap ``device`` of ``namespace``, for QEMU's
    ``-netdev tap,fd=``. The caller owns it (and closes it once QEMU has its copy).
    ``multi_queue`` must match how the tap was made: Nimbus makes them multi-queue, so that
    two QEMUs may hold one tap while a guest migrates between hosts of one machine."""
    flags = _IFF_TAP | _IFF_NO_PI | _IFF_VNET_HDR | (_IFF_MULTI_QUEUE if multi_queue else 0)

    def job() -> int:
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
        try:
            fcntl.ioctl(fd, _TUNSETIFF, struct.pack("16sH", device.encode(), flags))
        except OSError as exc:
            os.close(fd)
            raise NetnsError(exc.errno, f"tap {device} in {namespace}: {exc.strerror}") from None
        return fd

    return run_in(namespace, job)
