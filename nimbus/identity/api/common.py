"""Helpers the identity API modules share."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.core.api.validation import validate
from nimbus.identity.manager import IdentityState


def state(req: ApiRequest) -> IdentityState:
    return req.svc  # type: ignore[no-any-return]


def base(req: ApiRequest) -> str:
    return req.service_url


def body(req: ApiRequest, key: str, schema: dict[str, Any]) -> dict[str, Any]:
    return validate(req.body_dict(key), schema)  # type: ignore[no-any-return]


def filters(req: ApiRequest, *names: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = req.query.get(name)
        if value is not None:
            out[name] = req.query_bool(name) if name == "enabled" else value
    return out
