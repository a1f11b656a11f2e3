"""A background pass run again and again on a daemon thread: the object expirer's kin (container
sync, the replicator and auditor) each define only their pass.

A pass that raises is logged and retried at the next interval; one that reports work done is
followed sooner (``busy_pause``), so a backlog drains without waiting a whole interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Self

LOG = logging.getLogger(__name__)


def after_start(started: threading.Event | None, stop: threading.Event) -> bool:
    """Wait until the process has started (``Platform.started``); False if ``stop`` comes
    first. ``None`` is a process (or a test) that does not say: no wait."""
    if started is None:
        return True
    while not started.wait(0.2):
        if stop.is_set():
            return False
    return True


class Periodic:
    #: the thread's name, and what the log calls a failed pass
    thread_name = "periodic"

    def __init__(self, interval: float, busy_pause: float | None = None) -> None:
        self.interval = interval
        self.busy_pause = busy_pause
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_pass(self) -> int:
        """One bounded pass; how much work it did."""
        raise NotImplementedError

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.run_pass()
            except Exception:  # a pass that fails is retried at the next interval
                LOG.exception("%s pass failed", self.thread_name)
                done = 0
            self._stop.wait(self.pause(done))

    def pause(self, done: int) -> float:
        """Seconds until the next pass, after one that did ``done``."""
        if self.busy_pause is not None and done > 0:
            return self.busy_pause
        return self.interval

    def guarded(self, what: str, step: Callable[[], int]) -> int:
        """One step of a pass whose failure must not stop the others: logged, counted as no
        work, retried at the next pass."""
        try:
            return step()
        except Exception as exc:  # noqa: BLE001 - retried on the next pass
            LOG.warning("%s: %s failed, retried on the next pass: %s", self.thread_name, what,
                        exc)
            return 0
