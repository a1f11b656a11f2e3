"""The one pass image bytes make on their way into a store: counted against the size cap and
shown to the disk-image inspector, chunk by chunk, never held."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from nimbus.core.diskimage import inspect
from nimbus.core.errors import PayloadTooLarge


class Capture:
    """Passes chunks through, enforcing a size cap and showing each chunk to the inspector.

    The inspector may refuse mid-stream; the store then drops what it wrote so far.
    """

    def __init__(self, chunks: Iterable[bytes], cap: int,
                 inspector: inspect.StreamInspector | None = None) -> None:
        self.chunks = chunks
        self.cap = cap
        self.inspector = inspector
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        feed = self.inspector.feed if self.inspector is not None else None
        for chunk in self.chunks:
            self.size += len(chunk)
            if self.size > self.cap:
                raise PayloadTooLarge(reason=f"Image exceeds the storage limit of {self.cap} "
                                             "bytes.")
            if feed is not None:
                feed(chunk)
            yield chunk
