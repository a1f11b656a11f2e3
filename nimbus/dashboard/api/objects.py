"""A container's contents: browse by pseudo-folder, make a folder, upload (streamed, with the
page's progress bar), download (streamed) and delete objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from nimbus.core.errors import NimbusError
from nimbus.dashboard.api import csrf, streaming
from nimbus.dashboard.api.pages import ROOT, Pages, error_page, forbidden
from nimbus.dashboard.api.render import SECURITY_HEADERS, page
from nimbus.dashboard.manager import objects
from nimbus.dashboard.manager.sessions import Signed

MAX_NAME = 1024


def _back(container: str, prefix: str) -> str:
    suffix = f"?prefix={quote(prefix)}" if prefix else ""
    return f"{ROOT}/project/containers/{quote(container, safe='')}/browse/{suffix}"


def browse(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    container = request.path_params["container"]
    prefix = request.query_params.get("prefix", "")
    try:
        entries = objects.listing(p.user(signed), container, prefix)
    except NimbusError as exc:
        return error_page(p, signed, exc)
    crumbs = []
    parts = [part for part in prefix.split("/") if part]
    for n, part in enumerate(parts):
        crumbs.append((part, "/".join(parts[:n + 1]) + "/"))
    return page("objects.html", **p.base(signed, section="project/containers", container=container,
                                         prefix=prefix, entries=entries, crumbs=crumbs))


def act(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    """A folder made, or an object deleted (a form of the browse page)."""
    container = request.path_params["container"]
    fields = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    if not csrf.valid(fields.get(csrf.FIELD), signed.csrf):
        return forbidden()
    prefix = fields.get("prefix", "")
    name = fields.get("name", "").strip()
    if not name or len(prefix + name) > MAX_NAME:
        return error_page(p, signed, NimbusError(f"Name: required, at most {MAX_NAME} "
                                                 "characters with its folder."))
    try:
        if fields.get("do") == "delete":
            objects.delete(p.user(signed), container, name)
        else:
            objects.create_folder(p.user(signed), container, prefix, name)
    except NimbusError as exc:
        return error_page(p, signed, exc)
    return RedirectResponse(_back(container, prefix), 303)


def download(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    container = request.path_params["container"]
    name = request.query_params.get("name", "")
    try:
        chunks, headers = objects.download(p.user(signed), container, name)
    except NimbusError as exc:
        return error_page(p, signed, exc)
    filename = name.rsplit("/", 1)[-1].replace('"', "") or "object"
    headers = {**headers, **SECURITY_HEADERS,
               "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
    return StreamingResponse(chunks, headers=headers)


def upload_endpoint(pages: Callable[[], Pages]) -> Callable[[Request], Any]:
    """``PUT /project/containers/{container}/upload/?name=...``: the file, from the page's
    script, with the session's CSRF token in a header."""

    async def endpoint(request: Request) -> Response:
        p = pages()
        signed = await run_in_threadpool(p.signed, request)
        if signed is None:
            return JSONResponse({"error": "Sign in again."}, 401)
        if not csrf.valid(request.headers.get("x-csrftoken"), signed.csrf):
            return JSONResponse({"error": "The CSRF token is missing or does not match."}, 403)
        container = request.path_params["container"]
        name = request.query_params.get("name", "")
        if not name or len(name) > MAX_NAME:
            return JSONResponse({"error": f"Name: required, at most {MAX_NAME} characters."},
                                400)
        ctype = request.headers.get("content-type", "")
        error = await streaming.relay(request, lambda chunks: objects.upload(
            p.user(signed), container, name, chunks, ctype))
        if error is not None:
            return JSONResponse({"error": error.message},
                                error.code if 400 <= error.code < 500 else 503)
        return JSONResponse({"name": name, "status": "uploaded"},
                            headers=dict(SECURITY_HEADERS))

    return endpoint
