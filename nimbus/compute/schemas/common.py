"""Small request checks shared by the compute API modules; each failure names the field."""

from __future__ import annotations

from typing import Any

from nimbus.core.errors import ValidationError


def string(body: dict[str, Any], field: str, *, required: bool = False, max_len: int = 255,
           min_len: int = 0, nullable: bool = False) -> str | None:
    if field not in body:
        if required:
            raise ValidationError(field=field, reason=f"'{field}' is a required property")
        return None
    value = body[field]
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise ValidationError(field=field, reason=f"{value!r} is not of type 'string'")
    if len(value) < min_len:
        raise ValidationError(field=field, reason=f"{value!r} is too short")
    if len(value) > max_len:
        raise ValidationError(field=field, reason=f"{value!r} is too long")
    return value


def integer(body: dict[str, Any], field: str, *, required: bool = False, minimum: int = 0,
            maximum: int = 2**31 - 1, default: int | None = None) -> int | None:
    """An integer, or a string of digits, as Nova's parameter types accept both."""
    if field not in body or body[field] in (None, "") and not required:
        if required:
            raise ValidationError(field=field, reason=f"'{field}' is a required property")
        return default
    value = body[field]
    if isinstance(value, bool):
        raise ValidationError(field=field, reason=f"{value!r} is not of type 'integer'")
    try:
        number = int(value) if isinstance(value, int | str) else None
    except ValueError:
        number = None
    if number is None:
        raise ValidationError(field=field, reason=f"{value!r} is not of type 'integer', 'string'")
    if number < minimum:
        raise ValidationError(field=field, reason=f"{value!r} is less than the minimum of {minimum}")
    if number > maximum:
        raise ValidationError(field=field,
                              reason=f"{value!r} is greater than the maximum of {maximum}")
    return number


def boolean(body: dict[str, Any], field: str, default: bool | None = None) -> bool | None:
    if field not in body:
        return default
    value = body[field]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no",
                                                     "on", "off"):
        return value.lower() in ("true", "1", "yes", "on")
    raise ValidationError(field=field, reason=f"{value!r} is not of type 'boolean'")


def no_extra(body: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise ValidationError(
            field=where, reason=f"Additional properties are not allowed ({', '.join(map(repr, extra))} "
            f"{'was' if len(extra) == 1 else 'were'} unexpected)")


def metadata(value: Any, field: str = "metadata") -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValidationError(field=field, reason=f"{value!r} is not of type 'object'")
    for key, item in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 255:
            raise ValidationError(field=field, reason=f"invalid metadata key {key!r}")
        if not isinstance(item, str) or len(item) > 255:
            raise ValidationError(field=field, reason=f"{item!r} is not a string of at most 255 "
                                  "characters")
    return dict(value)
