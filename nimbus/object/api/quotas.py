"""Quotas as the API applies them: who may set an account's, what a limit must look like, and
Swift's 413 for an upload that would break one."""

from __future__ import annotations

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.object.api.common import authorize, reply
from nimbus.object.manager.quotas import QUOTA_BYTES, QUOTA_COUNT
from nimbus.object.state import ObjectState

# Swift's account and container quota middleware answer every refusal with these bodies.
EXCEEDED = "Upload exceeds quota."
_INVALID = {QUOTA_BYTES: "Invalid bytes quota.", QUOTA_COUNT: "Invalid count quota."}

# Account headers only a reseller admin may set or remove: (header, where it is kept).
_ACCOUNT_HEADERS = (
    ("x-account-meta-quota-bytes", None),
    ("x-account-quota-bytes", QUOTA_BYTES),
    ("x-account-quota-count", QUOTA_COUNT),
)


def _invalid(name: str, value: str) -> Response | None:
    """Swift's 400 (its own short body) for a limit that is not a whole number."""
    if value.strip() and not value.strip().isdigit():
        return reply(400, body=_INVALID[name])
    return None


def refusal(req: ApiRequest[ObjectState], account: str, container: str,
            size: int | None) -> Response | None:
    """Swift's 413 when one more object of ``size`` bytes would break a quota, else None."""
    if req.svc.quotas.exceeded(account, container, size):
        return reply(413, body=EXCEEDED)
    return None


def account_post(req: ApiRequest[ObjectState], account: str) -> Response | None:
    """Check and apply the quota headers of an account POST before its metadata is written;
    a refusal to answer instead, or None.

    A customer may not raise (or drop) its own limit: only the reseller admin role may name
    these headers, even to remove them."""
    given: list[tuple[str, str, str | None]] = []
    for header, key in _ACCOUNT_HEADERS:
        remove = "x-remove-" + header.removeprefix("x-")
        if header in req.headers or remove in req.headers:
            value = "" if remove in req.headers else req.headers[header]
            given.append((QUOTA_COUNT if key == QUOTA_COUNT else QUOTA_BYTES, value, key))
    if not given:
        return None
    authorize(req, "object:account:set_quota", account)
    for name, value, _key in given:
        bad = _invalid(name, value)
        if bad is not None:
            return bad
    changes = {key: value.strip() for _name, value, key in given if key is not None}
    if changes:
        req.svc.quotas.set_account_limits(account, changes)
    return None


def container_limits(req: ApiRequest[ObjectState]) -> Response | None:
    """Swift's 400 unless a container's quota metadata is a whole number; None when it is."""
    for name in (QUOTA_BYTES, QUOTA_COUNT):
        value = req.headers.get(f"x-container-meta-{name}")
        bad = None if value is None else _invalid(name, value)
        if bad is not None:
            return bad
    return None
