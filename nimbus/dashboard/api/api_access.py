"""The API Access panel: endpoints, clouds.yaml and openrc downloads, application
credentials."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from nimbus.core.errors import NimbusError
from nimbus.dashboard.api import csrf
from nimbus.dashboard.api.pages import Pages, error_page, forbidden
from nimbus.dashboard.api.render import SECURITY_HEADERS, page
from nimbus.dashboard.manager import api_access
from nimbus.dashboard.manager.sessions import Signed

MAX_NAME = 255


def _download(text: str, name: str, media_type: str) -> Response:
    return Response(text, media_type=media_type,
                    headers={**SECURITY_HEADERS,
                             "Content-Disposition": f'attachment; filename="{name}"'})


def index(p: Pages, request: Request, body: bytes, signed: Signed,
          created: dict[str, object] | None = None, problem: str = "",
          status: int = 200) -> Response:
    user = p.user(signed)
    try:
        credentials = api_access.credentials(user)
    except NimbusError as exc:
        credentials, problem = [], problem or exc.message
    return page("api_access.html", status=status, **p.base(
        signed, section="project/api_access", endpoints=api_access.endpoints(user),
        credentials=credentials, created=created, problem=problem,
        created_yaml=api_access.clouds_yaml(user, created) if created else ""))


def clouds_yaml(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    return _download(api_access.clouds_yaml(p.user(signed)), "clouds.yaml",
                     "application/x-yaml")


def openrc(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    project = signed.scoped.project_name or "project"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in project)
    return _download(api_access.openrc(p.user(signed)), f"{safe}-openrc.sh",
                     "application/x-sh")


def create(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    fields = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    if not csrf.valid(fields.get(csrf.FIELD), signed.csrf):
        return forbidden()
    name = fields.get("name", "").strip()
    if not name or len(name) > MAX_NAME:
        return index(p, request, body, signed,
                     problem=f"Name: required, at most {MAX_NAME} characters.", status=400)
    try:
        made = api_access.create_credential(p.user(signed), name,
                                            fields.get("description", "").strip())
    except NimbusError as exc:
        if exc.code >= 500:
            return error_page(p, signed, exc)
        return index(p, request, body, signed, problem=exc.message, status=exc.code)
    return index(p, request, body, signed, created=made)
