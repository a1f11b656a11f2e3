"""Bodies relayed from the browser to a service as they arrive, never held whole: the request
is read on the event loop and handed, through a short queue, to a thread that sends it on (a
slow service slows the browser down rather than filling memory)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from nimbus.core.errors import NimbusError

BUFFERED_CHUNKS = 16


async def relay(request: Request, send: Callable[[Iterator[bytes]], None]) -> NimbusError | None:
    """Run ``send`` on a thread with the request's body as an iterator of chunks; what it
    raised, or None."""
    chunks: queue.Queue[bytes | None] = queue.Queue(BUFFERED_CHUNKS)
    outcome: dict[str, NimbusError] = {}
    done = threading.Event()

    def produce() -> Iterator[bytes]:
        while (chunk := chunks.get()) is not None:
            yield chunk

    def run() -> None:
        try:
            send(produce())
        except NimbusError as exc:
            outcome["error"] = exc
            while chunks.get() is not None:  # let the browser's side finish
                pass
        finally:
            done.set()

    threading.Thread(target=run, name="dashboard-relay", daemon=True).start()
    try:
        async for chunk in request.stream():
            if chunk:
                await run_in_threadpool(chunks.put, chunk)
    except ClientDisconnect:
        outcome.setdefault("error", NimbusError("The upload was cut off."))
    finally:
        await run_in_threadpool(chunks.put, None)
    await run_in_threadpool(done.wait)
    return outcome.get("error")
