"""Swift's timestamps on the wire: ``Last-Modified``, listing dates and conditional headers.

Timestamps themselves (``1700000000.12345``) are made in ``drivers/timestamps``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import math
import time


def http_date(ts: str) -> str:
    """Last-Modified: the HTTP date of the timestamp, rounded up to the whole second as Swift."""
    return email.utils.formatdate(math.ceil(float(ts)), usegmt=True)


def listing_date(ts: str) -> str:
    """The ``last_modified`` of JSON/XML listings: ISO 8601 with microseconds, no zone.

    What ``datetime.fromtimestamp`` would print, a quarter of the cost, which counts in a
    listing of 10,000: the microseconds rounded half to even as it rounds them, the date and
    time of the whole second kept for the next object (most were written in the same second
    as a neighbour)."""
    fraction, whole = math.modf(float(ts))
    micro = round(fraction * 1e6)
    if micro >= 1_000_000:
        whole, micro = whole + 1, micro - 1_000_000
    return f"{_second(int(whole))}.{micro:06d}"


@functools.lru_cache(maxsize=4096)
def _second(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def parse_http_date(value: str) -> float | None:
    """Seconds since the epoch of an HTTP date header, or None when it does not parse."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
