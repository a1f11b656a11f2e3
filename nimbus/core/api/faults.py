"""The one place errors become HTTP responses, in each service's own fault format."""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable

from starlette.responses import Response

from nimbus.core.errors import NimbusError

LOG = logging.getLogger(__name__)

_NOVA_KEYS = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}

_NEUTRON_TYPES = {
    400: "BadRequest",
    401: "NotAuthorized",
    403: "PolicyNotAuthorized",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "OverQuota",
    503: "ServiceUnavailable",
}


def _json(body: object, status: int) -> Response:
    return Response(json.dumps(body), status_code=status, media_type="application/json")


def _keystone(err: NimbusError, request_id: str) -> Response:
    return _json({"error": {"code": err.code, "title": err.title, "message": err.message}}, err.code)


def _nova(err: NimbusError, request_id: str) -> Response:
    key = _NOVA_KEYS.get(err.code, "computeFault")
    return _json({key: {"code": err.code, "message": err.message}}, err.code)


def _neutron(err: NimbusError, request_id: str) -> Response:
    kind = err.kwargs.get("neutron_type") or _NEUTRON_TYPES.get(err.code, type(err).__name__)
    return _json({"NeutronError": {"type": kind, "message": err.message, "detail": ""}}, err.code)


def _placement(err: NimbusError, request_id: str) -> Response:
    code = err.kwargs.get("error_code", "placement.undefined_code")
    body = {"errors": [{"status": err.code, "title": err.title, "detail": err.message,
                        "code": code, "request_id": request_id}]}
    return _json(body, err.code)


# What Heat's fault middleware says beside each status (webob's explanation of it).
_HEAT_EXPLANATIONS = {
    400: "The server could not comply with the request since it is either malformed or "
         "otherwise incorrect.",
    401: "This server could not verify that you are authorized to access the document you "
         "requested. Either you supplied the wrong credentials (e.g., bad password), or your "
         "browser does not understand how to supply the credentials required.",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    405: "The method is not allowed for the requested URL.",
    409: "There was a conflict when trying to complete your request.",
    413: "The request is too large.",
    503: "The server is currently unavailable. Please try again at a later time.",
}


def _heat(err: NimbusError, request_id: str) -> Response:
    # Heat names the engine's exception class in ``error.type``; ours carry Heat's names, and
    # a generic one says its kind as Heat's webob faults do.
    kind = err.kwargs.get("heat_type") or type(err).__name__
    body = {"explanation": _HEAT_EXPLANATIONS.get(
                err.code, "The server has either erred or is incapable of performing the "
                          "requested operation."),
            "code": err.code, "title": err.title,
            "error": {"message": err.message, "traceback": None, "type": kind}}
    return _json(body, err.code)


def _offer_quality(accept: str, offer: str) -> float:
    """The quality ``accept`` gives ``offer``: its most specific matching range wins."""
    best, specificity = 0.0, -1
    kind = offer.split("/")[0]
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        quality = 1.0
        for param in bits[1:]:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        rank = 2 if media == offer else 1 if media == f"{kind}/*" else 0 if media == "*/*" else -1
        if rank > specificity:
            best, specificity = quality, rank
    return best


def negotiate_text(accept: str) -> str:
    """The fault format webob picks: HTML unless the client prefers JSON or plain text."""
    if not accept.strip():
        return "text/html"
    offers = ("text/html", "application/json", "text/plain")
    scored = [(_offer_quality(accept, o), -i, o) for i, o in enumerate(offers)]
    quality, _, chosen = max(scored)
    return chosen if quality > 0 else "text/plain"


def _plain(err: NimbusError, request_id: str, accept: str = "") -> Response:
    """Glance and Swift answer with a short page, as webob and swob do: HTML by default, JSON
    or plain text when the client asks for it. Only ``<``, ``>`` and ``&`` are escaped in the
    HTML, so a message reads the same in every form (no ``&#x27;`` for an apostrophe)."""
    chosen = negotiate_text(accept)
    if chosen == "application/json":
        return _json({"code": err.code, "title": err.title, "message": err.message}, err.code)
    if chosen == "text/plain":
        return Response(f"{err.code} {err.title}\n\n{err.message}\n", status_code=err.code,
                        media_type="text/plain")
    title = html.escape(err.title, quote=False)
    text = (f"<html>\n <head>\n  <title>{err.code} {title}</title>\n </head>\n"
            f" <body>\n  <h1>{err.code} {title}</h1>\n  "
            f"{html.escape(err.message, quote=False)}<br /><br />\n\n\n\n </body>\n</html>")
    return Response(text, status_code=err.code, media_type="text/html")


STYLES: dict[str, Callable[..., Response]] = {
    "keystone": _keystone,
    "nova": _nova,
    "cinder": _nova,
    "neutron": _neutron,
    "placement": _placement,
    "heat": _heat,
    "glance": _plain,
    "swift": _plain,
}


TEXT_STYLES = ("glance", "swift")


def render(err: NimbusError, style: str, request_id: str, accept: str = "") -> Response:
    """Render ``err`` as ``style``'s fault body; 5xx are logged with their request id."""
    if err.code >= 500:
        LOG.error("%s %s: %s", request_id, type(err).__name__, err.message)
    if style in TEXT_STYLES:
        # Swift's swob always answers with its page; Glance's webob negotiates.
        response = _plain(err, request_id, accept if style == "glance" else "")
    else:
        response = STYLES.get(style, _keystone)(err, request_id)
    for name, value in err.headers.items():
        response.headers[name] = value
    return response
