"""Launch Instance: the form (GET) and the create it makes (POST), with each refusal shown
beside the field it names."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from nimbus.core.errors import NimbusError, Unauthorized
from nimbus.dashboard.api import csrf
from nimbus.dashboard.api.pages import ROOT, Pages, forbidden
from nimbus.dashboard.api.render import page
from nimbus.dashboard.manager import launch as launching
from nimbus.dashboard.manager.sessions import Signed
from nimbus.dashboard.schemas.forms import LaunchForm, field_of, launch_form


def _render(p: Pages, signed: Signed, form: LaunchForm, problems: dict[str, str],
            status: int = 200) -> Response:
    offered = launching.choices(p.user(signed))
    flavors = [(f, launching.fits(f, offered.room, form.count)) for f in offered.flavors]
    return page("launch.html", status=status,
                **p.base(signed, section="project/instances", form=form, problems=problems,
                         choices=offered, flavors=flavors))


def form_page(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    if request.method == "GET":
        return _render(p, signed, LaunchForm(), {})
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    if not csrf.valid((fields.get(csrf.FIELD) or [""])[0], signed.csrf):
        return forbidden()
    form, problems = launch_form(fields)
    if problems:
        return _render(p, signed, form, problems, 400)
    try:
        launching.launch(p.user(signed), form)
    except Unauthorized:
        raise
    except NimbusError as exc:
        status = exc.code if 400 <= exc.code < 500 else 503
        return _render(p, signed, form, {field_of(exc.message) or "_": exc.message}, status)
    return RedirectResponse(f"{ROOT}/project/instances/", 303)
