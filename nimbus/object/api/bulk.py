"""Bulk operations (Swift's bulk): ``?extract-archive=tar|tar.gz|tar.bz2`` expands a tar
uploaded with a PUT into containers and objects, and ``?bulk-delete`` (POST or DELETE) deletes
the objects and empty containers its plain-text body names, one URL-encoded path a line.

Each object and container is checked as its own request would be, as the caller. The answer is
always a 200 whose body (plain text, JSON or XML, by ``Accept``) says what happened.
"""

from __future__ import annotations

import json
import tarfile
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote_to_bytes
from xml.sax.saxutils import escape

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import BadRequest, MethodNotAllowed, NimbusError, PayloadTooLarge
from nimbus.object.api.accounts import PATHS
from nimbus.object.api.bulk_extract import StreamFile, extract
from nimbus.object.api.common import View, authorize, authorize_in_container, reply, swift_view
from nimbus.object.errors import LengthRequired
from nimbus.object.schemas.constraints import (
    MAX_CONTAINER_NAME_LENGTH,
    MAX_OBJECT_NAME_LENGTH,
    check_container_name,
    check_object_name,
)
from nimbus.object.state import ObjectState

router = Router()
MAX_CONTAINERS_PER_EXTRACTION = 10000
MAX_FAILED_EXTRACTIONS = 1000
MAX_DELETES_PER_REQUEST = 10000
MAX_FAILED_DELETES = 1000
MAX_PATH_LENGTH = MAX_OBJECT_NAME_LENGTH + MAX_CONTAINER_NAME_LENGTH + 2
FORMATS = ("text/plain", "application/json", "application/xml", "text/xml")
ARCHIVES = {"tar": "", "tar.gz": "gz", "tar.bz2": "bz2"}


def capabilities() -> dict[str, object]:
    """The ``bulk_upload`` and ``bulk_delete`` sections of ``/info``."""
    return {
        "bulk_upload": {"max_containers_per_extraction": MAX_CONTAINERS_PER_EXTRACTION,
                        "max_failed_extractions": MAX_FAILED_EXTRACTIONS},
        "bulk_delete": {"max_deletes_per_request": MAX_DELETES_PER_REQUEST,
                        "max_failed_deletes": MAX_FAILED_DELETES},
    }


def status_line(err: NimbusError) -> str:
    return f"{err.code} {err.title}"


def answer_format(accept: str | None) -> str | None:
    """The format ``Accept`` prefers among ``FORMATS`` (the first when it names none);
    None when it accepts none of them."""
    if accept is None or not accept.strip():
        return FORMATS[0]
    best, best_q = None, 0.0
    for offer in FORMATS:
        quality = 0.0
        for item in accept.split(","):
            bits = [b.strip() for b in item.split(";")]
            media = bits[0].lower()
            if media not in (offer, offer.split("/")[0] + "/*", "*/*"):
                continue
            q = 1.0
            for param in bits[1:]:
                if param.startswith("q="):
                    try:
                        q = float(param[2:])
                    except ValueError:
                        q = 0.0
            quality = max(quality, q)
        if quality > best_q:
            best, best_q = offer, quality
    return best


def body_of(fmt: str | None, result: dict[str, Any], errors: list[list[str]], root: str) -> bytes:
    """The answer's body, as Swift words it in each format."""
    if fmt == "application/json":
        return json.dumps({**result, "Errors": errors}).encode()
    if fmt and fmt.endswith("/xml"):
        lines = [f"<{root}>\n"]
        for key in sorted(result):
            tag = key.replace(" ", "_").lower()
            lines.append(f"<{tag}>{escape(str(result[key]))}</{tag}>\n")
        lines.append("<errors>\n")
        lines.extend(f"<object><name>{escape(name)}</name><status>{escape(status)}</status>"
                     "</object>\n" for name, status in errors)
        lines.append(f"</errors>\n</{root}>\n")
        return "".join(lines).encode()
    text = [f"{key}: {result[key]}\n" for key in sorted(result)] + ["Errors:\n"]
    text.extend(f"{name}, {status}\n" for name, status in errors)
    return "".join(text).encode()


def _answer(fmt: str | None, result: dict[str, Any], errors: list[list[str]],
            root: str) -> Response:
    return reply(200, body=body_of(fmt, result, errors, root),
                 content_type=fmt or "text/html; charset=UTF-8")


def bulk(req: ApiRequest[ObjectState], call_next: View) -> Response:
    """Run ``?extract-archive`` and ``?bulk-delete`` requests; pass on anything else."""
    kind = req.query.get("extract-archive")
    if kind is not None and req.method == "PUT":
        compression = ARCHIVES.get(kind.lower().strip("."))
        if compression is None:
            raise BadRequest("Unsupported archive format")
        return _guarded(req, lambda fmt: _extract(req, compression, fmt), "extract")
    if "bulk-delete" in req.query and req.method in ("POST", "DELETE"):
        return _guarded(req, lambda fmt: _delete(req, fmt), "delete")
    return call_next(req)


Run = Callable[[str | None], tuple[dict[str, Any], list[list[str]]]]


def _guarded(req: ApiRequest[ObjectState], run: Run, root: str) -> Response:
    # Each object and container is checked below as its own request would be.
    req.ctx.enforced = True
    fmt = answer_format(req.headers.get("accept"))
    result, errors = run(fmt)
    return _answer(fmt, result, errors, root)


def _has_body(req: ApiRequest[ObjectState]) -> bool:
    return req.headers.get("content-length") is not None or \
        "chunked" in req.headers.get("transfer-encoding", "").lower()


def _extract(req: ApiRequest[ObjectState], compression: str,
             fmt: str | None) -> tuple[dict[str, Any], list[list[str]]]:
    result: dict[str, Any] = {"Response Status": "201 Created", "Response Body": "",
                              "Number Files Created": 0}
    failed: list[list[str]] = []
    try:
        if fmt is None:
            raise _Abort("406 Not Acceptable", "")
        if not _has_body(req):
            raise _Abort(status_line(LengthRequired()), LengthRequired().message)
        base = "/".join(p for p in (req.params.get("container"), req.params.get("obj"))
                        if p is not None).rstrip("/")
        created, bad_gateway = extract(req, StreamFile(req.stream()), compression, base,
                                       failed, MAX_CONTAINERS_PER_EXTRACTION,
                                       MAX_FAILED_EXTRACTIONS)
        result["Number Files Created"] = created
        if failed:
            result["Response Status"] = "502 Bad Gateway" if bad_gateway else "400 Bad Request"
        elif not created:
            result["Response Status"] = "400 Bad Request"
            result["Response Body"] = "Invalid Tar File: No Valid Files"
    except _Abort as abort:
        result["Response Status"], result["Response Body"] = abort.status, abort.body
    except NimbusError as err:
        result["Response Status"], result["Response Body"] = status_line(err), err.message
    except (tarfile.TarError, zlib.error, EOFError, OSError) as err:
        result["Response Status"] = "400 Bad Request"
        result["Response Body"] = f"Invalid Tar File: {err}"
    return result, failed


class _Abort(Exception):
    def __init__(self, status: str, body: str) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _names(req: ApiRequest[ObjectState]) -> list[str]:
    """The paths the body names, decoded; Swift's limits on their count and length."""
    if not _has_body(req):
        raise _Abort(status_line(LengthRequired()), LengthRequired().message)
    names: list[str] = []
    pending = b""
    for chunk in req.stream():
        pending += chunk
        *lines, pending = pending.split(b"\n")
        names.extend(_decoded(line) for line in lines)
        if len(pending) > MAX_PATH_LENGTH * 2:
            raise _Abort("400 Bad Request", "Invalid File Name")
        if len(names) > MAX_DELETES_PER_REQUEST:
            err = PayloadTooLarge(reason=f"Maximum Bulk Deletes: {MAX_DELETES_PER_REQUEST} "
                                         "per request")
            raise _Abort(status_line(err), err.message)
    names.append(_decoded(pending))
    return [name for name in names if name]


def _decoded(line: bytes) -> str:
    return unquote_to_bytes(line.strip()).decode("utf-8", "surrogateescape")


def _delete(req: ApiRequest[ObjectState],
            fmt: str | None) -> tuple[dict[str, Any], list[list[str]]]:
    result: dict[str, Any] = {"Response Status": "200 OK", "Response Body": "",
                              "Number Deleted": 0, "Number Not Found": 0}
    failed: list[list[str]] = []
    try:
        if fmt is None:
            raise _Abort("406 Not Acceptable", "")
        given = req.headers.get("content-type")
        if given and not given.startswith("text/plain"):
            raise _Abort("406 Not Acceptable", "")
        names = _names(req)
        bad_gateway = False
        # Objects first, so that the containers they empty can go too.
        ordered = [n for n in names if "/" in n.strip("/")] + \
            [n for n in names if "/" not in n.strip("/")]
        for name in ordered:
            outcome = _delete_one(req, name)
            if outcome is None:
                result["Number Deleted"] += 1
            elif outcome.startswith("404"):
                result["Number Not Found"] += 1
            else:
                bad_gateway = bad_gateway or outcome.startswith("5")
                failed.append([quote(name.encode("utf-8", "surrogateescape")), outcome])
                if len(failed) >= MAX_FAILED_DELETES:
                    raise _Abort("400 Bad Request", "Max delete failures exceeded")
        if failed:
            result["Response Status"] = "502 Bad Gateway" if bad_gateway else "400 Bad Request"
        elif not (result["Number Deleted"] or result["Number Not Found"]):
            result["Response Status"] = "400 Bad Request"
            result["Response Body"] = "Invalid bulk delete."
    except _Abort as abort:
        result["Response Status"], result["Response Body"] = abort.status, abort.body
    return result, failed


def _delete_one(req: ApiRequest[ObjectState], name: str) -> str | None:
    """Delete one object or container as the caller; None, or the status line it failed with."""
    account = req.params["account"]
    container, _, obj = name.lstrip("/").partition("/")
    try:
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            return "412 Precondition Failed"
        check_container_name(container)
        if obj:
            check_object_name(obj)
            authorize_in_container(req, "object:object:delete", account, container, "write")
            req.svc.objects.delete(account, container, obj)
        else:
            authorize(req, "object:container:delete", account)
            req.svc.containers.delete_container(account, container)
    except NimbusError as err:
        return status_line(err)
    return None


def refuse(req: ApiRequest[ObjectState]) -> Response:
    """Accounts are made and removed by the cloud, not by their users (405), unless the
    request is one of the bulk operations, which the middleware answered before this."""
    err = MethodNotAllowed()
    err.headers["Allow"] = "HEAD, GET, POST"
    raise err


for _path in PATHS:
    router.route(_path, ["PUT", "DELETE"], status=200, stream=True, policy_free=True, faults=(405,),
                 content_types=("application/octet-stream", "*/*"))(swift_view(refuse))
