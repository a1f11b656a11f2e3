"""Walking a dependency graph: each resource's step runs once those it waits for are done,
side by side with the others that are ready, until all are done, one fails, or time is up."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait


class WalkFailed(Exception):
    """A step failed (the first; the walk let those already running finish)."""

    def __init__(self, name: str, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.name = name
        self.cause = cause


class WalkTimedOut(Exception):
    pass


class WalkCancelled(Exception):
    pass


def walk(waits_for: dict[str, set[str]], step: Callable[[str], None],
         deadline: float | None = None, cancelled: Callable[[], bool] | None = None,
         workers: int = 8, abort: threading.Event | None = None) -> None:
    """Run ``step(name)`` for every name once each name in ``waits_for[name]`` is done.

    When one fails, time runs out or the work is cancelled, nothing new starts and ``abort``
    is set: steps still polling see it and give up, so the walk ends promptly."""
    abort = abort or threading.Event()
    pending = set(waits_for)
    done: set[str] = set()
    running: dict[Future[None], str] = {}
    failure: WalkFailed | None = None
    stop: Exception | None = None
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(pending) or 1)),
                            thread_name_prefix="stack-walk") as pool:
        while pending or running:
            if failure is None and stop is None:
                for name in sorted(n for n in pending if waits_for[n] & set(waits_for) <= done):
                    pending.discard(name)
                    running[pool.submit(step, name)] = name
            if not running:
                break
            finished, _ = wait(list(running), timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                exc = future.exception()
                if exc is None:
                    done.add(name)
                elif failure is None:
                    failure = WalkFailed(name, exc)
            if stop is None and deadline is not None and time.monotonic() > deadline:
                stop = WalkTimedOut()
            if stop is None and cancelled is not None and cancelled():
                stop = WalkCancelled()
            if failure is not None or stop is not None:
                abort.set()
    if failure is not None:
        raise failure
    if stop is not None:
        raise stop
    if pending:
        raise WalkFailed(sorted(pending)[0], RuntimeError("unreachable in the graph"))
