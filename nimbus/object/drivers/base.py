"""The object backend: where an object's bytes live.

A driver stores and serves bytes, one immutable *version* per PUT, named by the Swift timestamp it
returns. The manager owns the SQL index (names, listings, counts, user metadata) and tells the
driver which version to read or drop, so a replicated ring driver fits behind the same calls: it
would place each version on N devices by partition and answer once a quorum has it.

Drivers keep a copy of the metadata they were given beside the bytes, so an auditor or a rebuild
can recover the index from the store alone.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from nimbus.conf.settings import Settings

CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class StoredObject:
    """What a PUT stored: the md5 hex digest, the byte count, and the version's timestamp."""

    etag: str
    size: int
    timestamp: str


class ObjectDriver(abc.ABC):
    """Stores object versions; never sees a request, never touches the index."""

    name: ClassVar[str] = "base"
    #: get() can start at any offset without reading what comes before it.
    supports_ranges: ClassVar[bool] = True
    #: Versions are kept on more than one device (a ring); health reports replica counts.
    replicated: ClassVar[bool] = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @abc.abstractmethod
    def put(self, account: str, container: str, obj: str, chunks: Iterable[bytes],
            metadata: dict[str, Any], max_size: int) -> StoredObject:
        """Store the bytes ``chunks`` yields as a new version of ``obj``.

        Consumes ``chunks`` one at a time (never the whole body in memory), computing the md5.
        ``metadata`` is kept beside the bytes. Older versions stay until ``delete`` is called
        for them. Raises ``PayloadTooLarge`` (and stores nothing) when more than ``max_size``
        bytes arrive; any exception from ``chunks`` propagates and stores nothing.
        """

    @abc.abstractmethod
    def get(self, account: str, container: str, obj: str, timestamp: str,
            start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes ``[start, end)`` of version ``timestamp`` (``end`` None: to the end).

        The version is opened before this returns, so a missing one raises ``NotFound`` here
        rather than in the middle of a response; the iterator closes what it opened when done.
        """

    @abc.abstractmethod
    def head(self, account: str, container: str, obj: str, timestamp: str) -> dict[str, Any]:
        """The metadata stored with version ``timestamp`` plus ``etag``, ``size``, ``timestamp``.

        Raises ``NotFound`` when that version is not stored.
        """

    @abc.abstractmethod
    def set_metadata(self, account: str, container: str, obj: str, timestamp: str,
                     metadata: dict[str, Any]) -> None:
        """Replace the metadata kept beside version ``timestamp`` (a POST); missing: no-op."""

    @abc.abstractmethod
    def delete(self, account: str, container: str, obj: str, timestamp: str) -> None:
        """Drop version ``timestamp``; dropping one that is not there is not an error."""

    @abc.abstractmethod
    def list(self, account: str | None = None) -> Iterator[tuple[str, str, str, str]]:
        """Every stored version as ``(account, container, object, timestamp)``, in no order.

        For auditors and index rebuilds, never for user listings (those come from SQL).
        """

    def discard_partial(self, older_than: float) -> int:
        """Remove what unfinished writes left behind (a crash mid-PUT) and has not been touched
        since ``older_than`` (seconds since the epoch); how many were removed."""
        return 0

    def replicate_pass(self, limit: int) -> int:
        """Bring up to ``limit`` partitions back to their replica count (a replicated driver);
        how many copies were made or removed."""
        return 0

    def audit_pass(self, limit: int) -> int:
        """Verify up to ``limit`` stored copies against their recorded md5, quarantining bad
        ones (a replicated driver); how many were quarantined."""
        return 0

    def health(self) -> dict[str, Any]:
        """A JSON-safe summary for /health."""
        return {"driver": self.name}
