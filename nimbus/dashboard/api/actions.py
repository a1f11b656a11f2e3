"""Any panel action (``manager/actions.py``): its form, and the API calls it makes as the user,
each refusal shown beside the field it names."""

from __future__ import annotations

from functools import cache
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from nimbus.core.errors import Forbidden, NimbusError, NotFound, Unauthorized
from nimbus.dashboard.api import csrf
from nimbus.dashboard.api.pages import ROOT, Pages, error_page, forbidden
from nimbus.dashboard.api.render import page
from nimbus.dashboard.manager import actions
from nimbus.dashboard.manager.sessions import Signed


@cache
def _registry() -> dict[tuple[str, str, str], actions.Action]:
    return actions.registry()


def of_panel(panel: str, scope: str = "project") -> list[actions.Action]:
    return [a for (s, p, _), a in _registry().items() if p == panel and s == scope]


def _render(p: Pages, signed: Signed, action: actions.Action, target: str,
            values: dict[str, str], problems: dict[str, str], status: int = 200) -> Response:
    user = p.user(signed)
    choices = {}
    for spec in action.fields:
        if spec.options is not None:
            try:
                choices[spec.name] = spec.options(user)
            except NimbusError:
                choices[spec.name] = []
    return page("action.html", status=status, **p.base(
        signed, section=action.url, action=action, target=target, values=values,
        problems=problems, choices=choices))


def handle(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    params = request.path_params
    scope = request.url.path.removeprefix(ROOT).strip("/").split("/")[0]
    if scope != "project" and "admin" not in signed.scoped.roles:
        return error_page(p, signed, Forbidden("Only administrators may open this page."))
    action = _registry().get((scope, params["panel"], params["action"]))
    target = params.get("target", "")
    if action is None or action.row != bool(target):
        return error_page(p, signed, NotFound(f"No action {params['action']!r} here."))
    if request.method == "GET":
        return _render(p, signed, action, target,
                       {f.name: f.default for f in action.fields}, {})
    fields = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    if not csrf.valid(fields.get(csrf.FIELD), signed.csrf):
        return forbidden()
    problems = actions.problems_of(action, fields)
    if problems:
        return _render(p, signed, action, target, fields, problems, 400)
    try:
        shown = action.run(p.user(signed), fields, target)
    except Unauthorized:
        raise
    except NimbusError as exc:
        if action.direct:
            return error_page(p, signed, exc)
        status = exc.code if 400 <= exc.code < 500 else 503
        return _render(p, signed, action, target, fields,
                       {actions.field_named(action, exc.message) or "_": exc.message}, status)
    if shown:
        return page("action_done.html", **p.base(signed, section=action.url, action=action,
                                                 shown=shown))
    back = f"{ROOT}/{action.url}/"
    if action.panel == "security_groups" and action.slug in ("add_rule", "delete_rule"):
        back += f"{target}/rules/"  # the rule editor stays where it was
    return RedirectResponse(back, 303)
