"""Swift's timestamps on the wire: ``Last-Modified``, listing dates and conditional headers.

Timestamps themselves (``1700000000.12345``) are made in ``drivers/timestamps``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math


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
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
