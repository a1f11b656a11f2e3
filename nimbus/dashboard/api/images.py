"""Create Image: the form, the record it makes, and the upload of the file from the browser,
streamed to the image service as it arrives while the page shows its progress
(``static/upload.js``); or an image fetched by the image service from a URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from nimbus.core.errors import NimbusError, Unauthorized
from nimbus.dashboard.api import csrf, streaming
from nimbus.dashboard.api.pages import ROOT, Pages, forbidden
from nimbus.dashboard.api.render import SECURITY_HEADERS, page
from nimbus.dashboard.manager import images
from nimbus.dashboard.manager.sessions import Signed
from nimbus.dashboard.schemas.forms import (
    CONTAINER_FORMATS,
    DISK_FORMATS,
    VISIBILITIES,
    ImageForm,
    field_of,
    image_form,
)

CSRF_HEADER = "x-csrftoken"


def _json(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=dict(SECURITY_HEADERS))


def _render(p: Pages, signed: Signed, form: ImageForm, problems: dict[str, str],
            status: int = 200) -> Response:
    return page("image_create.html", status=status, **p.base(
        signed, section="project/images", form=form, problems=problems, disk_formats=DISK_FORMATS,
        container_formats=CONTAINER_FORMATS, visibilities=VISIBILITIES))


def create(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    """GET: the form. POST: the image record (and for a URL its import); asked for JSON (the
    page's script), the answer names where the file goes next."""
    if request.method == "GET":
        return _render(p, signed, ImageForm(), {})
    wants_json = "application/json" in request.headers.get("accept", "")
    fields = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    if not csrf.valid(fields.get(csrf.FIELD), signed.csrf):
        return forbidden()
    form, problems = image_form(fields)
    if not problems and form.source == "file" and not wants_json:
        problems["source"] = "Image File: sending a file needs the page's script; allow it, " \
                             "or give a URL."
    if problems:
        return _json({"errors": problems}, 400) if wants_json else \
            _render(p, signed, form, problems, 400)
    try:
        image = images.create(p.user(signed), form)
    except Unauthorized:
        raise
    except NimbusError as exc:
        status = exc.code if 400 <= exc.code < 500 else 503
        problems = {field_of(exc.message) or "_": exc.message}
        return _json({"errors": problems}, status) if wants_json else \
            _render(p, signed, form, problems, status)
    if wants_json:
        return _json({"id": image["id"],
                      "upload": f"{ROOT}/project/images/{image['id']}/data/"}, 201)
    return RedirectResponse(f"{ROOT}/project/images/", 303)


def upload_endpoint(pages: Callable[[], Pages]) -> Callable[[Request], Any]:
    """``PUT /project/images/{image_id}/data/``: the file, from the page's script, with the
    session's CSRF token in a header."""

    async def endpoint(request: Request) -> Response:
        p = pages()
        signed = await run_in_threadpool(p.signed, request)
        if signed is None:
            return _json({"error": "Sign in again."}, 401)
        if not csrf.valid(request.headers.get(CSRF_HEADER), signed.csrf):
            return _json({"error": "The CSRF token is missing or does not match."}, 403)
        image_id = request.path_params["image_id"]
        error = await streaming.relay(
            request, lambda chunks: images.upload(p.user(signed), image_id, chunks))
        if error is not None:
            status = error.code if 400 <= error.code < 500 else 503
            return _json({"error": error.message}, status)
        return _json({"id": request.path_params["image_id"], "status": "uploaded"})

    return endpoint

