"""What a stack request carries, read the way Heat reads it: the template (text or already a
mapping), the files, the environment and its files merged in order, parameters, tags."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nimbus.core.errors import BadRequest
from nimbus.orchestration.template import environment, loader
from nimbus.orchestration.template.environment import Environment

_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$")


@dataclass
class StackRequest:
    template: dict[str, Any] | None
    files: dict[str, Any] = field(default_factory=dict)
    environment: Environment = field(default_factory=Environment)
    params: dict[str, Any] = field(default_factory=dict)
    tags: list[str] | None = None
    timeout_mins: int | None = None
    disable_rollback: bool | None = None
    clear_parameters: list[str] = field(default_factory=list)


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise BadRequest(f'Invalid stack name {name} must contain only alphanumeric or "_-." '
                         "characters, must start with alpha and must be 255 characters or "
                         "less.", heat_type="StackValidationFailed")
    return name


def _template(body: dict[str, Any], required: bool) -> dict[str, Any] | None:
    raw = body.get("template")
    if raw is None and body.get("template_url"):
        raise BadRequest("Fetching a template from a URL is not supported here; send the "
                         "template in the request.", heat_type="HTTPBadRequest")
    if raw is None:
        if required:
            raise BadRequest("No template specified", heat_type="HTTPBadRequest")
        return None
    if isinstance(raw, dict):
        if not any(k in raw for k in loader.VERSION_KEYS):
            raise BadRequest("Template format version not found.",
                             heat_type="HTTPBadRequest")
        return raw
    if isinstance(raw, str):
        try:
            return loader.parse(raw)
        except BadRequest as exc:
            raise BadRequest(exc.message, heat_type="HTTPBadRequest") from None
    raise BadRequest("The template is not a JSON object or YAML mapping.",
                     heat_type="HTTPBadRequest")


def _tags(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [str(v) for v in value]
    return [t.strip() for t in str(value).split(",") if t.strip()]


def _int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"Only integer is acceptable by '{name}'.",
                         heat_type="HTTPBadRequest") from None
    if number < 0:
        raise BadRequest(f"Only non-negative integer is acceptable by '{name}'.",
                         heat_type="HTTPBadRequest")
    return number


def _bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes", "on")


def read(body: dict[str, Any], template_required: bool = True) -> StackRequest:
    files = body.get("files") or {}
    if not isinstance(files, dict):
        raise BadRequest("files must be a map", heat_type="HTTPBadRequest")
    env_raw = body.get("environment")
    env = environment.read(env_raw if env_raw else None)
    for name in body.get("environment_files") or []:
        if name not in files:
            raise BadRequest(f"Environment file {name} is not in the files.",
                             heat_type="HTTPBadRequest")
        env = environment.merge(env, environment.read(str(files[name])))
    params = body.get("parameters") or {}
    if not isinstance(params, dict):
        raise BadRequest("parameters must be a map", heat_type="HTTPBadRequest")
    clear = body.get("clear_parameters") or []
    return StackRequest(template=_template(body, template_required), files=dict(files),
                        environment=env, params=dict(params), tags=_tags(body.get("tags")),
                        timeout_mins=_int(body.get("timeout_mins"), "timeout_mins"),
                        disable_rollback=_bool(body.get("disable_rollback")),
                        clear_parameters=list(clear) if isinstance(clear, list) else [])
