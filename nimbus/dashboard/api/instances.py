"""The Instances panel: the list (its rows kept live by ``static/live.js``), and one instance's
page with its console log and action log."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from nimbus.core.errors import NimbusError, NotFound
from nimbus.dashboard.api import csrf
from nimbus.dashboard.api.pages import ROOT, Pages, error_page, forbidden
from nimbus.dashboard.api.render import SECURITY_HEADERS, page
from nimbus.dashboard.manager import instances
from nimbus.dashboard.manager.sessions import Signed


def index(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    marker = request.query_params.get("marker", "")
    try:
        rows, following = instances.page(p.user(signed), marker)
    except NotFound:
        rows, following = [], ""  # a marker deleted meanwhile: start again
    except NimbusError as exc:
        return error_page(p, signed, exc)
    return page("instances.html", **p.base(signed, section="project/instances", rows=rows,
                                           following=following, marker=marker,
                                           actions=instances.ACTIONS))


def show(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    try:
        row, server, log, actions = instances.detail(p.user(signed),
                                                     request.path_params["server_id"])
    except NimbusError as exc:
        return error_page(p, signed, exc)
    from nimbus.dashboard.api.actions import of_panel

    return page("instance.html", **p.base(signed, section="project/instances", row=row,
                                          server=server, log=log, actions=actions,
                                          forms=of_panel("instances")))


def rows(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    """The watched rows' state, as JSON, for the list's live updates."""
    ids = [i for i in request.query_params.get("ids", "").split(",") if i]
    try:
        found = instances.statuses(p.user(signed), ids)
    except NimbusError as exc:
        return JSONResponse({"error": exc.message}, status_code=503,
                            headers=dict(SECURITY_HEADERS))
    return JSONResponse(found, headers=dict(SECURITY_HEADERS))


def act(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    """A row action (a form per action, with the session's CSRF token)."""
    fields = dict(parse_qsl(body.decode("utf-8", errors="replace")))
    if not csrf.valid(fields.get(csrf.FIELD), signed.csrf):
        return forbidden()
    try:
        instances.act(p.user(signed), request.path_params["server_id"],
                      fields.get("action", ""))
    except NimbusError as exc:
        return error_page(p, signed, exc)
    return RedirectResponse(f"{ROOT}/project/instances/", 303)


def console(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    """The instance's console in the page (noVNC, from compute's console proxy)."""
    server_id = request.path_params["server_id"]
    try:
        url = instances.console_url(p.user(signed), server_id)
    except NimbusError as exc:
        return error_page(p, signed, exc)
    return page("console.html", **p.base(signed, section="project/instances",
                                         server_id=server_id, url=url))
