"""The query parameters each route takes, as the dispatcher checks them before the handler runs.

Swift requests carry their options in headers and the query string, never in a JSON body. The
listing parameters follow Swift's own paging: ``limit`` and ``marker`` (a name; the client asks
again with the last name it got), with ``end_marker``, ``prefix``, ``delimiter``, ``path`` and
``reverse``. A ``limit`` above the listing maximum is Swift's 412, decided by the handler.
Flags Swift treats as "this value, or anything else" (``reverse``, ``format``) stay free text so
that an unknown value keeps meaning "no" or "the default", as in Swift.
"""

from __future__ import annotations

from nimbus.core.api.validation import Schema, query

# Names and markers are text; a NUL byte can never be part of one.
_NAME: Schema = {"type": "string", "pattern": r"^[^\x00]*$"}
_FLAG: Schema = {"type": "string",
                 "description": "true when one of 1, true, yes, on, t, y (any case)"}

LIMIT: Schema = {"type": ["integer", "null"], "minimum": 0,
                 "description": "at most the listing limit of /info (10000); empty means that"}
FORMAT: Schema = {"type": "string", "description": "json, xml or plain (the default); anything "
                                                  "else falls back to the Accept header"}

_LISTING: dict[str, Schema] = {
    "limit": LIMIT,
    "marker": _NAME,
    "end_marker": _NAME,
    "prefix": _NAME,
    "delimiter": _NAME,
    "reverse": _FLAG,
    "format": FORMAT,
}

# GET on an account lists its containers; on a container, its objects (``path`` as well).
ACCOUNT_LISTING = query(_LISTING)
CONTAINER_LISTING = query({**_LISTING, "path": _NAME})
# HEAD answers the same headers without a listing: only the format (its Content-Type) counts.
HEAD = query({"format": FORMAT})

# Flags of middleware Swift may run in front of objects (static large objects, symlinks).
_MANIFEST: Schema = {"type": "string", "examples": ["get", "put", "delete"],
                     "description": "static large object manifests: store, read or delete one"}
_SYMLINK: Schema = {"type": "string", "examples": ["get"],
                    "description": "symlinks (not served: ignored)"}

OBJECT_READ = query({"multipart-manifest": _MANIFEST, "symlink": _SYMLINK,
                     "format": {"type": "string", "description": "raw: a manifest as PUT"}})
OBJECT_WRITE = query({"multipart-manifest": _MANIFEST})
