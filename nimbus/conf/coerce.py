"""Turning configuration values (YAML, environment strings, options) into typed settings."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting that does not exist or whose value does not fit its type."""


def _convert(value: Any, kind: Any, name: str) -> Any:
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
            return None
        return _convert(value, options[0], name)
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"setting '{name}' must be true or false, not {value!r}")
    if kind in (int, float):
        if isinstance(value, bool):
            raise SettingsError(f"setting '{name}' must be a number, not {value!r}")
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise SettingsError(f"setting '{name}' must be a number, not {value!r}") from None
    if kind is str:
        if isinstance(value, dict | list):
            raise SettingsError(f"setting '{name}' must be a string")
        return str(value)
    if kind is Path:
        return Path(str(value)).expanduser()
    if origin is list:
        if isinstance(value, str) and value.lstrip().startswith("["):
            # A list of mappings (a backend each...) comes from the environment as JSON.
            try:
                value = json.loads(value)
            except ValueError:
                raise SettingsError(f"setting '{name}' must be a JSON list") from None
        elif isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list):
            raise SettingsError(f"setting '{name}' must be a list")
        (item,) = typing.get_args(kind) or (Any,)
        return [v if item is Any else _convert(v, item, name) for v in value]
    if origin is dict:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError:
                raise SettingsError(f"setting '{name}' must be a JSON object") from None
        if not isinstance(value, dict):
            raise SettingsError(f"setting '{name}' must be a mapping")
        return dict(value)
    return value


def apply_values(target: Any, values: dict[str, Any], source: str, prefix: str = "") -> None:
    """Set ``values`` on the dataclass ``target``, converting each to its field's type."""
    hints = typing.get_type_hints(type(target))
    fields = {f.name for f in dataclasses.fields(target)}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if key not in fields:
            raise SettingsError(f"unknown setting '{name}' in {source}")
        current = getattr(target, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise SettingsError(f"setting '{name}' in {source} must be a mapping")
            apply_values(current, value, source, f"{name}.")
            continue
        setattr(target, key, _convert(value, hints[key], name))
