"""Cross-origin requests (CORS) as Swift's proxy answers them, from a container's
``X-Container-Meta-Access-Control-Allow-Origin`` (space-separated origins, or ``*``),
``-Max-Age`` and ``-Expose-Headers``.

A preflight (``OPTIONS`` with ``Origin``) is answered here with no token; an allowed origin's
actual requests get ``Access-Control-Allow-Origin`` and ``-Expose-Headers`` on their answers.
``strict_cors_mode`` (advertised in ``/info``) is on: an origin the container does not list
gets no CORS headers at all.
"""

from __future__ import annotations

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NimbusError, NotFound
from nimbus.object.api.common import View, reply, swift_view
from nimbus.object.state import ObjectState

router = Router()
ALLOWED = {
    "account": "DELETE, GET, HEAD, OPTIONS, POST, PUT",
    "container": "DELETE, GET, HEAD, OPTIONS, POST, PUT",
    "object": "COPY, DELETE, GET, HEAD, OPTIONS, POST, PUT",
}
# Simple response headers and Swift's own, which every allowed origin may read.
EXPOSED = ("cache-control", "content-language", "content-type", "expires", "last-modified",
           "pragma", "etag", "x-timestamp", "x-trans-id", "x-openstack-request-id")


def _rules(req: ApiRequest[ObjectState]) -> dict[str, str]:
    account, container = req.params.get("account"), req.params.get("container")
    if not account or not container:
        return {}
    try:
        meta = req.svc.containers.container_info(account, container).meta
    except NotFound:
        return {}
    return {key: meta[f"access-control-{key}"].strip()
            for key in ("allow-origin", "max-age", "expose-headers")
            if meta.get(f"access-control-{key}")}


def origin_allowed(rules: dict[str, str], origin: str) -> bool:
    allowed = set(rules.get("allow-origin", "").split())
    return origin in allowed or "*" in allowed


def cors(req: ApiRequest[ObjectState], call_next: View) -> Response:
    """Add the CORS headers to the answer of an allowed origin's request (errors included)."""
    origin = req.headers.get("origin")
    if not origin or req.method == "OPTIONS" or not req.params.get("container"):
        return call_next(req)
    rules = _rules(req)
    try:
        response = call_next(req)
    except NimbusError as err:
        if origin_allowed(rules, origin):
            err.headers.update(_added(set(err.headers), rules, origin, err.headers.get("Vary")))
        raise
    if origin_allowed(rules, origin):
        for name, value in _added(set(response.headers.keys()), rules, origin,
                                  response.headers.get("vary")).items():
            response.headers[name] = value
    return response


def _added(present: set[str], rules: dict[str, str], origin: str,
           vary: str | None) -> dict[str, str]:
    """The CORS headers an answer with headers ``present`` gets for an allowed origin."""
    lowered = {name.lower() for name in present}
    added: dict[str, str] = {}
    if "access-control-expose-headers" not in lowered:
        exposed = set(EXPOSED)
        exposed.update(n for n in lowered
                       if n.startswith(("x-container-meta-", "x-object-meta-")))
        exposed.update(h.lower() for h in rules.get("expose-headers", "").split())
        added["Access-Control-Expose-Headers"] = ", ".join(sorted(exposed))
    if "access-control-allow-origin" not in lowered:
        if rules.get("allow-origin") == "*":
            added["Access-Control-Allow-Origin"] = "*"
        else:
            added["Access-Control-Allow-Origin"] = origin
            added["Vary"] = f"{vary}, Origin" if vary else "Origin"
    return added


def preflight(req: ApiRequest[ObjectState]) -> Response:
    """Answer a CORS preflight (or a plain OPTIONS: the methods the resource takes)."""
    kind = "object" if req.params.get("obj") else \
        "container" if req.params.get("container") else "account"
    allowed = ALLOWED[kind]
    headers = {"Allow": allowed}
    origin = req.headers.get("origin")
    if not origin or kind == "account":
        return reply(200, headers)
    rules = _rules(req)
    wanted = req.headers.get("access-control-request-method")
    if not origin_allowed(rules, origin) or wanted not in allowed.split(", "):
        return reply(401, headers)
    vary: list[str] = []
    if rules.get("allow-origin") == "*":
        headers["Access-Control-Allow-Origin"] = "*"
    else:
        headers["Access-Control-Allow-Origin"] = origin
        vary.append("Origin")
    if "max-age" in rules:
        headers["Access-Control-Max-Age"] = rules["max-age"]
    headers["Access-Control-Allow-Methods"] = allowed
    asked = [h.strip() for h in req.headers.get("access-control-request-headers", "").split(",")
             if h.strip()]
    if asked:
        headers["Access-Control-Allow-Headers"] = ", ".join(dict.fromkeys(asked))
        vary.append("Access-Control-Request-Headers")
    if vary:
        headers["Vary"] = ", ".join(vary)
    return reply(200, headers)


# A preflight carries no credentials, by the CORS specification: it is public.
for _path in ("/v1/{account}", "/v1/{account}/", "/v1/{account}/{container}",
              "/v1/{account}/{container}/{obj:path}"):
    router.route(_path, ["OPTIONS"], status=200, also=(401,), public=True)(
        swift_view(preflight))
