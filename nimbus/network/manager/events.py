"""Notifications on the bus: compute waits for a port's status before it boots a server."""

from __future__ import annotations

import logging
from typing import Any

from nimbus.core.bus.rpc import Bus

LOG = logging.getLogger(__name__)


class Notifier:
    def __init__(self, bus: Bus | None, publisher: str = "network") -> None:
        self.bus = bus
        self.publisher = publisher

    def notify(self, event_type: str, payload: dict[str, Any]) -> None:
        """Tell whoever listens; a failed notification never fails the request."""
        if self.bus is None:
            return
        try:
            self.bus.notify(self.publisher, event_type, payload)
        except Exception:
            LOG.exception("notification %s failed", event_type)
