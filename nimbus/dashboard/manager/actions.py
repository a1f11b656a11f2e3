"""Panel actions as data: each names its form's fields and the API calls it makes as the user.

One page shows any action's form (``templates/action.html``) and puts a refusal beside the
field it names. A row action acts on one resource (its id in the URL); a panel action makes a
new one. An action may answer with something to show once (a private key, a transfer's key).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nimbus.clients.user_session import UserSession

Options = Callable[[UserSession], list[tuple[str, str]]]
Run = Callable[[UserSession, dict[str, str], str], "dict[str, str] | None"]


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    kind: str = "text"  # text, number, select, checkbox, textarea
    required: bool = False
    options: Options | None = None
    default: str = ""


@dataclass(frozen=True)
class Action:
    panel: str
    slug: str
    title: str
    run: Run
    fields: tuple[Field, ...] = ()
    #: acts on one row (its id in the URL) rather than making a new resource
    row: bool = False
    #: a row action with no fields, done from the row's own little form
    direct: bool = False
    #: the dashboard its panel is in: project, admin or identity
    scope: str = "project"

    @property
    def url(self) -> str:
        """Its panel's page, below the dashboard's root."""
        return f"{self.scope}/{self.panel}"


def problems_of(action: Action, fields: dict[str, str]) -> dict[str, str]:
    """What is missing or malformed, by field, before any API is asked."""
    found: dict[str, str] = {}
    for spec in action.fields:
        value = fields.get(spec.name, "").strip()
        if spec.required and not value:
            found[spec.name] = f"{spec.title}: this field is required."
        elif spec.kind == "number" and value and not value.lstrip("-").isdigit():
            found[spec.name] = f"{spec.title}: a whole number."
        elif len(value) > 65535:
            found[spec.name] = f"{spec.title}: too long."
    return found


def field_named(action: Action, message: str) -> str:
    """The action's field a service's fault names, else ""."""
    lowered = message.lower()
    for spec in action.fields:
        if spec.name.replace("_", " ") in lowered or spec.title.lower() in lowered:
            return spec.name
    return ""


def options(user: UserSession, service: str, path: str, key: str,
            label: Callable[[dict[str, Any]], str] | None = None,
            keep: Callable[[dict[str, Any]], bool] | None = None,
            value: str = "id") -> list[tuple[str, str]]:
    """Choices for a select, from one list call."""
    found = user.get(service, path) or {}
    items = found.get(key, []) if isinstance(found, dict) else []
    return [(str(item.get(value, "")), label(item) if label else
             str(item.get("name") or item.get(value, "")))
            for item in items if keep is None or keep(item)]


def number(fields: dict[str, str], name: str) -> int:
    return int(fields.get(name, "0").strip() or 0)


def registry() -> dict[tuple[str, str, str], Action]:
    """Every panel's actions by (dashboard, panel, action)."""
    from nimbus.dashboard.manager import (
        admin_actions,
        compute_actions,
        network_actions,
        other_actions,
        stack_actions,
        volume_actions,
    )

    modules = (compute_actions, volume_actions, network_actions, other_actions, admin_actions,
               stack_actions)
    return {(a.scope, a.panel, a.slug): a for module in modules for a in module.ACTIONS}
