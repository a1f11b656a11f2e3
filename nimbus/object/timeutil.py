"""Swift's timestamps: fixed-width seconds with five decimals, so they sort as strings."""

from __future__ import annotations

import datetime as dt
import email.utils
import math
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


def http_date(ts: str) -> str:
    """Last-Modified: the HTTP date of the timestamp, rounded up to the whole second as Swift."""
    return email.utils.formatdate(math.ceil(float(ts)), usegmt=True)


def listing_date(ts: str) -> str:
    """The ``last_modified`` of JSON/XML listings: ISO 8601 with microseconds, no zone."""
    when = dt.datetime.fromtimestamp(float(ts), dt.UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")


def parse_http_date(value: str) -> float | None:
    """Seconds since the epoch of an HTTP date header, or None when it does not parse."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()
