"""Value normalisation after a request passed its schema, as Neutron's converters do it.

The schema has checked each value's shape; what is left is turning the accepted spellings into
the stored value (``"True"`` into ``True``, ``" 64"`` into ``64``, ``AA-BB-...`` into
``aa:bb:...``, an IPv6 address into its canonical text) and the checks that need the value
parsed (a cidr or an address that is no such thing). Each converter takes (attribute, value)
and raises Neutron's ``HTTPBadRequest`` naming the attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nimbus.network.errors import HTTPBadRequest
from nimbus.network.schemas.attributes import Attr, Converter
from nimbus.network.schemas.ipaddr import parse_cidr, parse_ip


def bad(attr: str, reason: str) -> HTTPBadRequest:
    return HTTPBadRequest(attr=attr, reason=reason)


def boolean(attr: str, value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def integer(minimum: int | None = None, maximum: int | None = None) -> Converter:
    """Digits given as a string become a number; its range is checked here, since the
    schema's bounds apply to numbers only."""

    def conv(attr: str, value: Any) -> int:
        number = int(value)
        if minimum is not None and number < minimum:
            raise bad(attr, f"'{number}' is too small - must be at least '{minimum}'")
        if maximum is not None and number > maximum:
            raise bad(attr, f"'{number}' is too large - must be no larger than '{maximum}'")
        return number

    return conv


def ip_address(attr: str, value: Any) -> str:
    try:
        return str(parse_ip(value))
    except ValueError as exc:
        raise bad(attr, str(exc)) from None


def cidr(attr: str, value: Any) -> str:
    try:
        return str(parse_cidr(value))
    except ValueError as exc:
        raise bad(attr, str(exc)) from None


def mac(attr: str, value: Any) -> str:
    return str(value).lower().replace("-", ":")


def nullable(inner: Converter) -> Converter:
    def conv(attr: str, value: Any) -> Any:
        return None if value is None else inner(attr, value)

    return conv


def list_of(inner: Converter, unique: bool = False) -> Converter:
    def conv(attr: str, value: Any) -> list[Any]:
        out = [inner(attr, item) for item in value]
        # Two spellings of one address are one address.
        if unique and len({repr(x) for x in out}) != len(out):
            raise bad(attr, f"Duplicate items in the list: '{', '.join(map(str, value))}'")
        return out

    return conv


def dict_of(keys: Mapping[str, Converter]) -> Converter:
    def conv(attr: str, value: Any) -> dict[str, Any]:
        return {k: keys[k](attr, v) if k in keys else v for k, v in value.items()}

    return conv


def attributes(body: dict[str, Any], spec: Mapping[str, Attr]) -> dict[str, Any]:
    """The attributes the manager takes: each value normalised, ``tenant_id`` folded into
    ``project_id``."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        convert = spec[key].convert if key in spec else None
        out[key] = convert(key, value) if convert is not None else value
    if "tenant_id" in out:
        tenant = out.pop("tenant_id")
        if out.setdefault("project_id", tenant) != tenant:
            raise HTTPBadRequest("'project_id' and 'tenant_id' do not match")
    return out
