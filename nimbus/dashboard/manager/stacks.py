"""A stack as its detail page shows it: overview, outputs, resources, events and template,
each read from the orchestration API as the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from nimbus.clients.user_session import UserSession

EVENTS_SHOWN = 50


@dataclass
class StackDetail:
    stack: dict[str, Any]
    resources: list[dict[str, Any]]
    events: list[dict[str, Any]]
    template: str


def detail(user: UserSession, stack_id: str) -> StackDetail:
    stack = user.get("orchestration", f"/stacks/{stack_id}")["stack"]
    base = f"/stacks/{stack['stack_name']}/{stack['id']}"
    resources = user.get("orchestration", f"{base}/resources")["resources"]
    events = user.get("orchestration", f"{base}/events?sort_dir=desc&limit={EVENTS_SHOWN}")[
        "events"]
    template = user.get("orchestration", f"{base}/template")
    text = yaml.safe_dump(template, default_flow_style=False, sort_keys=False,
                          allow_unicode=True)
    return StackDetail(stack, sorted(resources, key=lambda r: r["resource_name"]), events,
                       text)
