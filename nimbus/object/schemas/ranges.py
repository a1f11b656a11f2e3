"""HTTP Range requests as Swift answers them.

A header that does not parse is ignored (the whole object is returned); one that parses but
selects nothing is a 416. Ranges are half-open ``(start, end)`` pairs here.
"""

from __future__ import annotations

import re

from nimbus.core.errors import RangeNotSatisfiable

_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")
MAX_RANGES = 50


def parse(header: str | None, size: int) -> list[tuple[int, int]] | None:
    """The byte ranges ``header`` selects of a ``size``-byte object, or None for "all of it"."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        return None
    wanted: list[tuple[int | None, int | None]] = []
    for part in spec.split(","):
        match = _SPEC.match(part)
        if not match or (not match.group(1) and not match.group(2)):
            return None
        try:
            first = int(match.group(1)) if match.group(1) else None
            last = int(match.group(2)) if match.group(2) else None
        except ValueError:  # more digits than ``int`` reads: no such byte anyway
            return None
        if first is not None and last is not None and last < first:
            return None
        wanted.append((first, last))
    if len(wanted) > MAX_RANGES:
        return None
    ranges = []
    for first, last in wanted:
        if first is None:
            assert last is not None
            if last == 0:
                continue
            ranges.append((max(0, size - last), size))
        elif first < size:
            ranges.append((first, size if last is None else min(last + 1, size)))
    if not ranges:
        err = RangeNotSatisfiable()
        err.headers["Content-Range"] = f"bytes */{size}"
        raise err
    return ranges
