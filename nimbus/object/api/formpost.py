"""Form posts (Swift's formpost): a browser uploads files straight into a container with an
HTML form signed with the account's or container's ``Temp-URL-Key``, and no token.

The signed fields (``redirect``, ``max_file_size``, ``max_file_count``, ``expires``) must come
before the files; each file is stored as ``<path><filename>``, streamed as it arrives.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import quote

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import NimbusError, PayloadTooLarge
from nimbus.object.api.common import View, project_of, reply
from nimbus.object.manager.records import PutRequest
from nimbus.object.manager.signatures import (
    DEPRECATED_DIGESTS,
    DIGESTS,
    ScopedKey,
    form_hmac,
    keys_of,
    matching,
    parse_signature,
)
from nimbus.object.schemas import expiry
from nimbus.object.schemas.constraints import check_object_name
from nimbus.object.schemas.multipart import MimeInvalid, MultipartReader, Part, parse_header
from nimbus.object.state import ObjectState

# Longest value of a plain (non-file) field; the rest of it is dropped.
MAX_VALUE_LENGTH = 4096
TEXT_PLAIN = "text/plain"


class FormInvalid(Exception):
    """A 400: the form is malformed."""


class FormUnauthorized(Exception):
    """A 401: the form's signature or expiry refuses it."""


def capabilities() -> dict[str, object]:
    """The ``formpost`` section of ``/info``."""
    return {"allowed_digests": sorted(DIGESTS), "deprecated_digests": sorted(DEPRECATED_DIGESTS)}


def formpost(req: ApiRequest[ObjectState], call_next: View) -> Response:
    """Answer a ``multipart/form-data`` POST to a container (or a prefix in it) as a form."""
    if req.method != "POST":
        return call_next(req)
    kind, params = parse_header(req.headers.get("content-type", ""))
    if kind != "multipart/form-data" or "boundary" not in params:
        return call_next(req)
    # The signature decides; a form is never left to run unchecked.
    req.ctx.enforced = True
    try:
        return _translate(req, params["boundary"])
    except MimeInvalid:
        return reply(400, body="FormPost: invalid starting boundary", content_type=TEXT_PLAIN)
    except FormInvalid as err:
        return reply(400, body=f"FormPost: {err}", content_type=TEXT_PLAIN)
    except FormUnauthorized as err:
        return reply(401, body=f"FormPost: {str(err).title()}")


def _keys(req: ApiRequest[ObjectState]) -> list[ScopedKey]:
    account, container = req.params.get("account"), req.params.get("container")
    if not account or not container:
        return []
    svc = req.svc
    found = [ScopedKey(k, None) for k in keys_of(svc.accounts.account_info(account).meta)]
    try:
        meta = svc.containers.container_info(account, container).meta
    except NimbusError:
        meta = {}
    return found + [ScopedKey(k, container) for k in keys_of(meta)]


def _translate(req: ApiRequest[ObjectState], boundary: str) -> Response:
    keys = _keys(req)
    attributes: dict[str, str] = {}
    status, message, failed_body = "", "", b""
    files = 0
    for part in MultipartReader(req.stream(), boundary).parts():
        if part.disposition == "form-data" and part.filename:
            files += 1
            try:
                allowed = int(attributes.get("max_file_count") or 0)
            except ValueError:
                raise FormInvalid("max_file_count not an integer") from None
            if files > allowed:
                status, message = "400 Bad Request", "max file count exceeded"
                break
            status, failed_body = _store(req, attributes, part, keys)
            if not status.startswith("2"):
                break
        else:
            value = part.read(MAX_VALUE_LENGTH).decode("utf-8", "replace")
            if part.name:
                attributes[part.name.lower()] = value.rstrip("\r\n-")
    if not status:
        status, message = "400 Bad Request", "no files to process"
    code = int(status.split(" ", 1)[0])
    redirect = attributes.get("redirect")
    if not redirect:
        body = status.encode()
        if message:
            body = f"{status}\r\nFormPost: {message.title()}".encode()
        if code >= 300 and failed_body:
            body = failed_body
        return reply(code, body=body, content_type=TEXT_PLAIN)
    location = redirect + ("&" if "?" in redirect else "?") + \
        f"status={quote(str(code))}&message={quote(message)}"
    page = f'<html><body><p><a href="{location}">Click to continue...</a></p></body></html>'
    return reply(303, {"Location": location}, page)


def _int_field(attributes: dict[str, str], name: str, error: str) -> int | None:
    if name not in attributes:
        return None
    try:
        return int(attributes[name])
    except ValueError:
        raise FormInvalid(error) from None


def _check_signature(req: ApiRequest[ObjectState], attributes: dict[str, str],
                     keys: list[ScopedKey]) -> None:
    try:
        if int(attributes.get("expires") or 0) < time.time():
            raise FormUnauthorized("form expired")
    except ValueError:
        raise FormInvalid("expired not an integer") from None
    parsed = parse_signature(attributes.get("signature", ""))
    if parsed is None:
        raise FormUnauthorized("invalid signature")
    digest, signature = parsed
    tail = req.path[len(req.prefix):] if req.prefix else req.path
    fields = (attributes.get("redirect") or "", attributes.get("max_file_size") or "0",
              attributes.get("max_file_count") or "0", attributes.get("expires") or "0")
    candidates = ((form_hmac(k.key, path, *fields, digest=digest), k)
                  for k in keys for path in dict.fromkeys((tail, req.path)))
    if matching(signature, candidates) is None:
        raise FormUnauthorized("invalid signature")


def _store(req: ApiRequest[ObjectState], attributes: dict[str, str], part: Part,
           keys: list[ScopedKey]) -> tuple[str, bytes]:
    """Store one file of the form; its status line and, when it failed, the answer's body."""
    if not keys:
        raise FormUnauthorized("invalid signature")
    try:
        max_size = int(attributes.get("max_file_size") or 0)
    except ValueError:
        raise FormInvalid("max_file_size not an integer") from None
    delete_at = _int_field(attributes, "x_delete_at",
                           "x_delete_at not an integer: Unix timestamp required.")
    delete_after = _int_field(attributes, "x_delete_after",
                              "x_delete_after not an integer: Number of seconds required.")
    _check_signature(req, attributes, keys)
    account, container = req.params["account"], req.params["container"]
    req.enforce("object:formpost", {"project_id": project_of(account) or ""})
    prefix = req.params.get("obj")
    name = (prefix or "") + (part.filename or "filename")
    content_type = attributes.get("content-type") or part.headers.get("content-type") or \
        "application/octet-stream"
    timing: dict[str, str] = {}
    if delete_at is not None:
        timing["x-delete-at"] = str(delete_at)
    if delete_after is not None:
        timing["x-delete-after"] = str(delete_after)
    try:
        check_object_name(name)
        # The file's size is not known before it is read: only the count can be held to.
        if req.svc.quotas.exceeded(account, container, None):
            raise PayloadTooLarge(reason="Upload exceeds quota.")
        request = PutRequest(content_type=content_type, meta={},
                             delete_at=expiry.delete_at(timing))
        req.svc.objects.put(account, container, name, _capped(part.chunks(), max_size),
                            request)
    except NimbusError as err:
        return f"{err.code} {err.title}", f"{err.code} {err.title}\n\n{err.message}".encode()
    return "201 Created", b""


def _capped(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    received = 0
    for chunk in chunks:
        received += len(chunk)
        if received > limit:
            raise FormInvalid("max_file_size exceeded")
        yield chunk
