"""Property and attribute schemas of resource types: what a template may set, checked and
typed before a plugin sees it, and described by ``GET /resource_types/{type}``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

STRING, INTEGER, NUMBER, BOOLEAN, LIST, MAP = ("string", "integer", "number", "boolean",
                                               "list", "map")


class PropertyError(ValueError):
    """A property's value is wrong; the message is Heat's, the path is the property's."""

    def __init__(self, message: str, path: list[str] | None = None) -> None:
        super().__init__(message)
        self.path = path or []


@dataclass(frozen=True)
class Prop:
    type: str
    description: str = ""
    required: bool = False
    default: Any = None
    update_allowed: bool = False
    immutable: bool = False
    allowed: tuple[Any, ...] = ()
    length: tuple[int | None, int | None] | None = None
    range: tuple[float | None, float | None] | None = None
    pattern: str | None = None
    # The schema of a map's keys or of every list item.
    schema: dict[str, Prop] | None = None
    items: Prop | None = None
    custom: str | None = None

    def describe(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": self.type, "required": self.required,
                                 "update_allowed": self.update_allowed,
                                 "immutable": self.immutable}
        if self.description:
            found["description"] = self.description
        if self.default is not None:
            found["default"] = self.default
        constraints: list[dict[str, Any]] = []
        if self.allowed:
            constraints.append({"allowed_values": list(self.allowed)})
        if self.length:
            constraints.append({"length": {k: v for k, v in zip(("min", "max"), self.length,
                                                                strict=True) if v is not None}})
        if self.range:
            constraints.append({"range": {k: v for k, v in zip(("min", "max"), self.range,
                                                               strict=True) if v is not None}})
        if self.pattern:
            constraints.append({"allowed_pattern": self.pattern})
        if self.custom:
            constraints.append({"custom_constraint": self.custom})
        if constraints:
            found["constraints"] = constraints
        if self.schema:
            found["schema"] = {k: v.describe() for k, v in self.schema.items()}
        elif self.items:
            found["schema"] = {"*": self.items.describe()}
        return found


@dataclass(frozen=True)
class Attr:
    description: str
    type: str | None = None

    def describe(self) -> dict[str, Any]:
        return {"description": self.description, **({"type": self.type} if self.type else {})}


@dataclass
class Support:
    status: str = "SUPPORTED"
    version: str | None = None
    message: str | None = None

    def describe(self) -> dict[str, Any]:
        return {"status": self.status, "version": self.version, "message": self.message,
                "previous_status": None}


SHOW = Attr("Detailed information about resource.", MAP)


def _typed(prop: Prop, value: Any, path: list[str]) -> Any:
    if prop.type == STRING:
        if isinstance(value, bool | dict | list):
            if isinstance(value, dict | list):
                return json.dumps(value)
            return "true" if value else "false"
        return value if isinstance(value, str) else str(value)
    if prop.type == INTEGER:
        if isinstance(value, bool):
            raise PropertyError(f"Value '{value}' is not an integer", path)
        try:
            number = int(str(value), 10) if not isinstance(value, int) else value
        except ValueError:
            raise PropertyError(f"Value '{value}' is not an integer", path) from None
        return number
    if prop.type == NUMBER:
        try:
            text = str(value)
            return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
        except ValueError:
            raise PropertyError(f"Value '{value}' is invalid for data type 'number'",
                                path) from None
    if prop.type == BOOLEAN:
        if isinstance(value, bool):
            return value
        normal = str(value).lower()
        if normal in ("true", "yes", "on", "1", "t", "y"):
            return True
        if normal in ("false", "no", "off", "0", "f", "n"):
            return False
        raise PropertyError(f'"{value}" is not a valid boolean', path)
    if prop.type == MAP:
        if not isinstance(value, dict):
            raise PropertyError(f'"{value}" is not a map', path)
        if prop.schema:
            return check(prop.schema, value, path)
        return value
    if prop.type == LIST:
        if isinstance(value, str) or not isinstance(value, list):
            raise PropertyError(f'"{value!r}" is not a list', path)
        if prop.items:
            return [_one(prop.items, item, [*path, str(n)]) for n, item in enumerate(value)]
        return value
    return value


def _one(prop: Prop, value: Any, path: list[str]) -> Any:
    typed = _typed(prop, value, path)
    if prop.allowed and typed not in prop.allowed:
        raise PropertyError(f'"{typed}" is not an allowed value '
                            f"{list(prop.allowed)}", path)
    if prop.length and isinstance(typed, str | list | dict):
        low, high = prop.length
        if (low is not None and len(typed) < low) or (high is not None and len(typed) > high):
            raise PropertyError(f"length ({len(typed)}) is out of range (min: {low}, "
                                f"max: {high})", path)
    if prop.range and isinstance(typed, int | float):
        low_v, high_v = prop.range
        if (low_v is not None and typed < low_v) or (high_v is not None and typed > high_v):
            raise PropertyError(f"{typed} is out of range (min: {low_v}, max: {high_v})", path)
    if prop.pattern and isinstance(typed, str) and not re.match(prop.pattern, typed):
        raise PropertyError(f'"{typed}" does not match pattern "{prop.pattern}"', path)
    return typed


def check(schema: dict[str, Prop], given: Any, path: list[str] | None = None,
          require: bool = True) -> dict[str, Any]:
    """``given`` (resolved) typed by ``schema``, with defaults; a value still unknown (None,
    because what it names is not made yet) is left out of the checks when ``require`` is
    False, as Heat validates before creation."""
    path = path or []
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise PropertyError(f'"{given}" is not a map', path)
    for key in given:
        if key not in schema:
            raise PropertyError(f"Unknown Property {key}", path)
    found: dict[str, Any] = {}
    for key, prop in schema.items():
        value = given.get(key)
        if value is None:
            if prop.default is not None:
                found[key] = prop.default
            elif prop.required and require:
                raise PropertyError(f"Property {key} not assigned", path)
            else:
                found[key] = None
            continue
        found[key] = _one(prop, value, [*path, key])
    return found


@dataclass
class TypeInfo:
    """What ``GET /resource_types/{type}`` shows."""

    name: str
    properties: dict[str, Prop]
    attributes: dict[str, Attr]
    description: str = ""
    support: Support = field(default_factory=Support)

    def describe(self) -> dict[str, Any]:
        return {"resource_type": self.name,
                "properties": {k: v.describe() for k, v in self.properties.items()},
                "attributes": {k: v.describe() for k, v in self.attributes.items()},
                "support_status": self.support.describe(),
                "description": self.description}
