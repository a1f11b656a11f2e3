"""API worker processes: more processes serving the same port, so the APIs use every core.

Each process listens on its own socket bound with ``SO_REUSEPORT``, and the kernel spreads new
connections over them. The first process (``nimbus up`` or ``nimbus serve api``) starts the
others once it is ready, so they never answer before the cloud is, and starts one again when one
dies. They are fresh interpreters (not forks of a process whose threads are running) and run only
the APIs: no migrations, no agents, no periodic work.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

LOG = logging.getLogger("nimbus")
ENV = "NIMBUS_API_WORKER"
# Settings a worker must not be handed: it reads the admin password from the state dir as
# every process of the cloud does, and the environment of a process is no place for it.
_PRIVATE = {"admin_password", "admin_password_file"}


def count(requested: int) -> int:
    """``requested`` API processes; 0 is one per core."""
    if requested > 0:
        return requested
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket on ``host:port`` that the other API processes of this cloud may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


class ApiWorkers:
    """``extra`` API processes beside this one, each started again if it dies."""

    def __init__(self, extra: int, overrides: dict[str, Any], bridge: str,
                 command: list[str] | None = None) -> None:
        self.extra = extra
        self.command = command or [sys.executable, "-m", "nimbus.cmd.api_worker"]
        self.spec = json.dumps({
            "overrides": {k: str(v) if not isinstance(v, int | float | bool) else v
                          for k, v in overrides.items() if k not in _PRIVATE},
            "bridge": bridge,
            "parent": os.getpid(),
        })
        self._procs: list[subprocess.Popen[bytes] | None] = [None] * extra
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ApiWorkers:
        # Spawned from the thread that watches them, which lives as long as they should: a
        # worker's end-with-parent signal follows the thread that started it, not the process.
        self._thread = threading.Thread(target=self._watch, name="api-workers", daemon=True)
        self._thread.start()
        return self

    def _spawn(self, slot: int) -> None:
        env = dict(os.environ)
        env[ENV] = self.spec
        env.pop("NIMBUS_ADMIN_PASSWORD", None)
        self._procs[slot] = subprocess.Popen(self.command, env=env, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL)

    def _watch(self) -> None:
        for slot in range(self.extra):
            self._spawn(slot)
        while not self._stop.wait(0.5):
            for slot, proc in enumerate(self._procs):
                if proc is None or proc.poll() is None or self._stop.is_set():
                    continue
                LOG.warning("API worker %d (pid %d) exited with %s; starting another", slot,
                            proc.pid, proc.returncode)
                self._spawn(slot)
                # One start a second at most: a worker that cannot start must not spin.
                self._stop.wait(1.0)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p is not None and p.poll() is None]

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        running = [p for p in self._procs if p is not None and p.poll() is None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def worker_spec() -> dict[str, Any]:
    """In a worker: what its first process handed it, once (the variable is then dropped)."""
    spec: dict[str, Any] = json.loads(os.environ.pop(ENV))
    _end_with_parent(int(spec["parent"]))
    return spec


def _end_with_parent(parent: int) -> None:
    """A worker ends with its first process, even one killed outright (the signal comes when
    the thread that started the worker ends: the first process's watcher, which ends with it)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:
        sys.exit(0)
