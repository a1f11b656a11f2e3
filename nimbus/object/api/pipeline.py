"""The middleware Swift's proxy runs in front of its controllers, in its order, and the
``GET /info`` sections of those that Nimbus serves.

``service.py`` installs ``FILTERS`` into ``common.FILTERS``; every object-storage handler runs
behind them (``common.swift_view``).
"""

from __future__ import annotations

from nimbus.object.api import bulk, formpost, tempurl
from nimbus.object.api.account_access import owner_headers
from nimbus.object.api.common import Filter
from nimbus.object.api.cors import cors
from nimbus.object.api.staticweb import staticweb

FILTERS: list[Filter] = [bulk.bulk, tempurl.tempurl, formpost.formpost, cors, staticweb,
                         owner_headers]


def capabilities() -> dict[str, object]:
    """The sections of ``/info`` for the middleware above (CORS has none: ``strict_cors_mode``
    in the ``swift`` section says how it behaves)."""
    return {
        **bulk.capabilities(),
        "crossdomain": {},
        "formpost": formpost.capabilities(),
        "staticweb": {},
        "tempurl": tempurl.capabilities(),
    }
