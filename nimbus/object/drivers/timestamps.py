"""Swift's timestamps: fixed-width seconds with five decimals, so they sort as strings.

A driver names each stored version by one; the index stamps accounts and containers with them
too. Their HTTP renderings (``Last-Modified``, listing dates) are wire format: ``schemas/dates``.
"""

from __future__ import annotations

import time


def normal(value: float) -> str:
    """``1700000000.12345``: the X-Timestamp form, also the version name of stored bytes."""
    return f"{value:016.05f}"


def now() -> str:
    return normal(time.time())


def after(previous: str | None) -> str:
    """A timestamp newer than ``previous`` even if the clock went back or did not move."""
    current = time.time()
    if previous is not None and float(previous) >= current:
        current = float(previous) + 0.00001
    return normal(current)
