"""Converters for request attributes: each takes (attribute name, value) and returns the value
to store, or raises Neutron's ``HTTPBadRequest`` naming the attribute."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from nimbus.network import ipam
from nimbus.network.errors import HTTPBadRequest

Converter = Callable[[str, Any], Any]
_MAC = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")


def bad(attr: str, reason: str) -> HTTPBadRequest:
    return HTTPBadRequest(attr=attr, reason=reason)


def string(max_len: int = 255) -> Converter:
    def conv(attr: str, value: Any) -> str:
        if not isinstance(value, str):
            raise bad(attr, f"'{value}' is not a valid string")
        if len(value) > max_len:
            raise bad(attr, f"'{value}' exceeds maximum length of {max_len}")
        return value

    return conv


def nullable(inner: Converter) -> Converter:
    def conv(attr: str, value: Any) -> Any:
        return None if value is None else inner(attr, value)

    return conv


def boolean(attr: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise bad(attr, f"'{value}' cannot be converted to boolean")


def integer(minimum: int | None = None, maximum: int | None = None) -> Converter:
    def conv(attr: str, value: Any) -> int:
        if isinstance(value, bool):
            raise bad(attr, f"'{value}' is not an integer")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise bad(attr, f"'{value}' is not an integer") from None
        if minimum is not None and number < minimum:
            raise bad(attr, f"'{number}' is too small - must be at least '{minimum}'")
        if maximum is not None and number > maximum:
            raise bad(attr, f"'{number}' is too large - must be no larger than '{maximum}'")
        return number

    return conv


def uuid_str(attr: str, value: Any) -> str:
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise bad(attr, f"'{value}' is not a valid UUID") from None
    if not isinstance(value, str):
        raise bad(attr, f"'{value}' is not a valid UUID")
    return value


def project(attr: str, value: Any) -> str:
    return string(255)(attr, value)


def ip_address(attr: str, value: Any) -> str:
    try:
        return str(ipam.parse_ip(value))
    except ValueError as exc:
        raise bad(attr, str(exc)) from None


def cidr(attr: str, value: Any) -> str:
    try:
        return str(ipam.parse_cidr(value))
    except ValueError as exc:
        raise bad(attr, str(exc)) from None


def mac(attr: str, value: Any) -> str:
    if not isinstance(value, str) or not _MAC.match(value):
        raise bad(attr, f"'{value}' is not a valid MAC address")
    return value.lower().replace("-", ":")


def one_of(*choices: Any) -> Converter:
    def conv(attr: str, value: Any) -> Any:
        if value not in choices:
            raise bad(attr, f"'{value}' is not in {list(choices)}")
        return value

    return conv


def list_of(inner: Converter, unique: bool = False) -> Converter:
    def conv(attr: str, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise bad(attr, f"'{value}' is not a list")
        out = [inner(attr, item) for item in value]
        if unique and len({repr(x) for x in out}) != len(out):
            raise bad(attr, f"Duplicate items in the list: '{', '.join(map(str, value))}'")
        return out

    return conv


def dict_of(keys: dict[str, Converter], required: tuple[str, ...] = ()) -> Converter:
    def conv(attr: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise bad(attr, f"'{value}' is not a dictionary")
        unknown = set(value) - set(keys)
        if unknown:
            raise bad(attr, f"Unrecognized keys {sorted(unknown)} in '{value}'")
        missing = [k for k in required if k not in value]
        if missing:
            raise bad(attr, f"Validation of dictionary's keys failed. Expected keys: "
                            f"{set(required)} Provided keys: {set(value)}")
        return {k: keys[k](attr, v) for k, v in value.items()}

    return conv


def any_dict(attr: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(attr, f"'{value}' is not a dictionary")
    return value
