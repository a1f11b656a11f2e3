"""Identity faults beyond the shared ones, with Keystone's wording."""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import NotFound, Unauthorized, register

RECEIPT_HEADER = "Openstack-Auth-Receipt"


class AuthReceiptRequired(Unauthorized):
    """More methods are needed; carries the receipt and the body Keystone answers with."""

    message_format = "Insufficient auth methods received for {user_id}. Auth Methods Provided: " \
                     "{methods}."

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.receipt: str = str(kwargs.get("receipt", ""))
        self.body: dict[str, Any] = dict(kwargs.get("body") or {})
        self.headers[RECEIPT_HEADER] = self.receipt


class MappingFailed(Unauthorized):
    """The assertion could not be mapped to a usable local identity (a 401, as Keystone)."""


class MarkerNotFound(NotFound):
    """A paged list's ``marker`` names no row (Keystone answers 404)."""

    message_format = "Marker {marker} could not be found."


register(AuthReceiptRequired)
register(MappingFailed)
register(MarkerNotFound)
