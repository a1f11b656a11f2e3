"""Orchestration: a stack's detail page (its list and actions are the panel's)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nimbus.core.errors import NimbusError
from nimbus.dashboard.api.pages import Pages, error_page
from nimbus.dashboard.api.render import page
from nimbus.dashboard.manager import stacks
from nimbus.dashboard.manager.actions import registry
from nimbus.dashboard.manager.sessions import Signed


def show(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    try:
        found = stacks.detail(p.user(signed), request.path_params["stack_id"])
    except NimbusError as exc:
        return error_page(p, signed, exc)
    actions = [a for a in registry().values() if a.panel == "stacks" and a.row]
    return page("stack.html", **p.base(signed, section="project/stacks", detail=found,
                                       actions=actions))
