"""kombu's in-memory transport, woken by a put instead of polling.

kombu's own ``memory://`` transport polls every queue of every consumer at a fixed interval.
With one consumer thread per RPC worker, a short interval burns a core's worth of wake-ups in
an idle cloud (and holds the GIL the API needs), while a long one adds that interval to every
hop of every request. Here a consumer that finds its queues empty sleeps on a condition that
every put signals, so a message is taken as soon as it is sent and an idle cloud is idle.
Messages are still encoded and decoded by kombu, exactly as on a broker.
"""

from __future__ import annotations

import threading
import time
from queue import Empty
from typing import Any

from kombu.transport import memory


class _Signal:
    """A generation counter: a waiter reads it before looking, and sleeps only while it is
    unchanged, so a put between the look and the sleep is never missed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    def bump(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        with self._cond:
            if self._generation == seen:
                self._cond.wait(timeout)


SIGNAL = _Signal()


class Channel(memory.Channel):
    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:
        super()._put(queue, message, **kwargs)
        SIGNAL.bump()

    def _put_fanout(self, exchange: str, message: Any, routing_key: str | None = None,
                    **kwargs: Any) -> None:
        super()._put_fanout(exchange, message, routing_key, **kwargs)
        SIGNAL.bump()


class Transport(memory.Transport):
    Channel = Channel

    # The signature of kombu's virtual transport, which its own base class disagrees with.
    def drain_events(self, connection: Any, timeout: Any = None) -> Any:  # type: ignore[override]
        deadline = None if timeout is None else time.monotonic() + timeout
        cycle = self.cycle
        assert cycle is not None, "a transport drains only once its channels exist"
        while True:
            seen = SIGNAL.generation
            try:
                cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                pass
            # A consumer wakes at least once a second, whatever happens, so that a message
            # requeued behind kombu's back (a restored delivery) is still found.
            wait = 1.0
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    raise TimeoutError()
            SIGNAL.wait(seen, wait)
