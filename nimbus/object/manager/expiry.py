"""Expiring objects (X-Delete-At): past their time they are gone, though no one deleted them.

Nothing moves an object between states: whether it still exists is a comparison with the clock
at the moment of the request (in SQL for listings, here for a single object). The expirer
(``expirer``) then removes their bytes and index rows in the background.
"""

from __future__ import annotations

import time


def now() -> float:
    """The clock every expiry decision of one request compares with."""
    return time.time()


def expired(delete_at: int | None, at: float | None = None) -> bool:
    return delete_at is not None and delete_at <= (now() if at is None else at)
