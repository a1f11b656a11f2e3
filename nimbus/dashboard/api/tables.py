"""The list panels declared in ``manager/tables.py``, all shown by one template."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nimbus.core.errors import Forbidden, NimbusError, NotFound
from nimbus.dashboard.api import actions
from nimbus.dashboard.api.pages import ROOT, Pages, error_page
from nimbus.dashboard.api.render import page
from nimbus.dashboard.manager import tables
from nimbus.dashboard.manager.admin_tables import ADMIN_TABLES
from nimbus.dashboard.manager.sessions import Signed


def index(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    scope = request.url.path.removeprefix(ROOT).strip("/").split("/")[0]
    known = tables.TABLES if scope == "project" else {
        slug: t for slug, t in ADMIN_TABLES.items() if t.scope == scope}
    if scope != "project" and "admin" not in signed.scoped.roles:
        # As Horizon's admin panels: for administrators (and the APIs refuse others anyway).
        return error_page(p, signed, Forbidden("Only administrators may open this page."))
    table = known.get(request.path_params["panel"])
    if table is None:
        return error_page(p, signed, NotFound(f"No panel {request.path_params['panel']!r}."))
    marker = request.query_params.get("marker", "")
    try:
        rows, following = tables.rows(p.user(signed), table, marker)
    except NotFound:
        rows, following = [], ""
    except NimbusError as exc:
        return error_page(p, signed, exc)
    panel_actions = actions.of_panel(table.slug, table.scope)
    return page("table.html", **p.base(
        signed, section=table.url, table=table, rows=rows, following=following, marker=marker,
        creating=[a for a in panel_actions if not a.row],
        row_actions=[a for a in panel_actions if a.row]))
