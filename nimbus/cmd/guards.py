"""Checks made before anything is started: the state dir is ours, and the port is free.

A second ``nimbus up`` on a state dir that is already in use would rewrite the catalog and the
clouds.yaml under the running cloud; a taken port would only show after the whole bootstrap.
Both are refused at once, with a message that says what to do.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
from pathlib import Path
from typing import IO


class Refused(RuntimeError):
    """Starting would break something already running; the message says what and why."""


class StateDirLock:
    """An exclusive advisory lock on ``<state dir>/nimbus.lock``, held by ``nimbus up`` for the
    life of the process. The kernel drops it when the process dies, even on ``kill -9``, so a
    crash never leaves a stale lock behind."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / "nimbus.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held open until release()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise Refused(
                f"the state dir {self.path.parent} is already in use by {holder}; stop that "
                "cloud first, or give this one its own --state-dir") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"nimbus up (pid {os.getpid()})\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def check_port(host: str, port: int) -> None:
    """Refuse when ``host:port`` cannot be bound (another program listens there)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # The same option uvicorn sets, so a port in TIME_WAIT from our own last run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = "is already in use" if exc.errno == errno.EADDRINUSE else \
                f"cannot be used ({exc.strerror})"
            raise Refused(f"port {port} on {host} {reason}; stop what listens there, or "
                          "choose another with --port") from None
