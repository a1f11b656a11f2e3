"""``GET <service root>/openapi.json``: an OpenAPI 3.1 document built from the route declarations.

Nothing here is written by hand per service: paths, methods, parameters, request bodies,
microversion ranges and fault responses all come from what the routes declare (``routing``), so
the document cannot drift from the code that serves it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from nimbus.core.api.routing import RouteSpec
from nimbus.core.api.validation import Schema, Versioned

if TYPE_CHECKING:
    from nimbus.core.api.service import ServiceDef

_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?}")
_REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
    204: "No Content", 206: "Partial Content", 300: "Multiple Choices", 301: "Moved",
    302: "Found", 303: "See Other", 304: "Not Modified", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 409: "Conflict", 410: "Gone", 411: "Length Required",
    412: "Precondition Failed", 413: "Request Entity Too Large", 415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable", 422: "Unprocessable Entity", 429: "Too Many Requests",
    499: "Client Closed Request", 500: "Internal Server Error", 501: "Not Implemented",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}

_MESSAGE: Schema = {"type": "object", "properties": {"code": {"type": "integer"},
                                                     "message": {"type": "string"}},
                    "required": ["message"]}
FAULT_SCHEMAS: dict[str, Schema] = {
    "keystone": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "integer"}, "title": {"type": "string"},
                       "message": {"type": "string"}}}}},
    "nova": {"type": "object", "minProperties": 1, "maxProperties": 1,
             "additionalProperties": _MESSAGE},
    "neutron": {"type": "object", "required": ["NeutronError"], "properties": {"NeutronError": {
        "type": "object", "required": ["type", "message"],
        "properties": {"type": {"type": "string"}, "message": {"type": "string"},
                       "detail": {"type": "string"}}}}},
    "placement": {"type": "object", "required": ["errors"], "properties": {"errors": {
        "type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["status", "title", "detail"],
            "properties": {"status": {"type": "integer"}, "title": {"type": "string"},
                           "detail": {"type": "string"}, "code": {"type": "string"},
                           "request_id": {"type": "string"}}}}}},
}
FAULT_SCHEMAS["cinder"] = FAULT_SCHEMAS["nova"]
FAULT_SCHEMAS["heat"] = {"type": "object", "required": ["code", "title", "error"], "properties": {
    "explanation": {"type": "string"}, "code": {"type": "integer"}, "title": {"type": "string"},
    "error": {"type": "object", "required": ["message", "type"],
              "properties": {"message": {"type": "string"}, "type": {"type": "string"},
                             "traceback": {"type": ["string", "null"]}}}}}
# Glance and Swift answer faults as text (webob's and swob's pages), not JSON.
TEXT_FAULTS = ("glance", "swift")


def path_of(spec: RouteSpec) -> str:
    """The OpenAPI path: ``{name:path}`` converters become plain ``{name}``."""
    return _PARAM.sub(lambda m: "{" + m.group(1) + "}", spec.path)


def faults_of(spec: RouteSpec, microversioned: bool) -> list[int]:
    """The fault statuses a route may answer with: its kind's, and those it declares.

    Any request may be malformed (400). A route that names something, in its path or in what
    it is sent (a marker, a network id in a body), may find it missing (404), as may a route
    that exists only in some microversions.
    """
    codes = {400, *spec.faults}
    takes_input = spec.body is not None or spec.query is not None or spec.stream
    has_params = bool(_PARAM.search(spec.path))
    if not spec.public:
        codes.update((401, 403))
    if has_params or takes_input or spec.min_version or spec.max_version:
        codes.add(404)
    if microversioned:
        codes.add(406)
    if spec.body is not None or spec.stream or spec.methods[0] in ("POST", "PUT", "PATCH"):
        codes.add(413)
    return sorted(codes)


def _fault_response(style: str, code: int) -> dict[str, Any]:
    described: dict[str, Any] = {"description": _REASONS.get(code, "Fault")}
    text = {"schema": {"type": "string"}}
    if style in TEXT_FAULTS:
        described["content"] = {"text/plain": text, "text/html": text,
                                "application/json": {"schema": {"type": "object"}}}
        return described
    described["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Fault"}}}
    if code == 400:
        # A request too malformed to reach the application (an invalid request line, say) is
        # refused by the HTTP server itself, in plain text.
        described["content"]["text/plain"] = text
    return described


def _parameters(spec: RouteSpec, definition: ServiceDef[Any]) -> list[dict[str, Any]]:
    declared = (spec.params or {}).get("properties", {})
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True,
         "schema": declared.get(name, {"type": "string"})}
        for name in _PARAM.findall(spec.path)
    ]
    if spec.query is not None:
        required = set(spec.query.get("required", ()))
        for name, prop in spec.query.get("properties", {}).items():
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": prop}
            if prop.get("type") == "array":
                param.update(style="form", explode=True)
            params.append(param)
    if definition.microversion is not None:
        mv = definition.microversion
        params.append({"name": "OpenStack-API-Version", "in": "header", "required": False,
                       "description": f"'{mv.service} X.Y' between {mv.minimum} and {mv.maximum}",
                       "schema": {"type": "string"}})
    return params


def _request_body(spec: RouteSpec) -> dict[str, Any] | None:
    if spec.stream:
        types = spec.content_types or ("application/octet-stream",)
        return {"required": False, "content": {t: {"schema": {"type": "string",
                                                              "format": "binary"}}
                                               for t in types}}
    if spec.body is None:
        return None
    types = spec.content_types or ("application/json",)
    if isinstance(spec.body, Versioned):
        schema: Schema = spec.body.schemas[-1][1]
    else:
        schema = spec.body
    return {"required": True, "content": {t: {"schema": schema} for t in types}}


def _operation(spec: RouteSpec, definition: ServiceDef[Any], method: str) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{method.lower()}.{spec.handler.__module__.rsplit('.', 1)[-1]}."
                       f"{spec.handler.__name__}",
        "summary": spec.summary,
        "parameters": _parameters(spec, definition),
        "responses": {},
    }
    body = _request_body(spec)
    if body is not None:
        op["requestBody"] = body
    for code in sorted({spec.status, *spec.also}):
        op["responses"][str(code)] = {"description": _REASONS.get(code, "Success")}
    for code in faults_of(spec, definition.microversion is not None):
        if spec.fault_types:
            # The route's own fault types beside the service's: described in place.
            described = _fault_response(definition.fault_style, code)
            described["content"].update({t: {"schema": {"type": "string"}}
                                         for t in spec.fault_types})
            op["responses"][str(code)] = described
        else:
            op["responses"][str(code)] = {"$ref": f"#/components/responses/Fault{code}"}
    if spec.public:
        op["security"] = [{}, {"token": []}]
    versions: dict[str, Any] = {}
    if spec.min_version:
        versions["min_version"] = spec.min_version
    if spec.max_version:
        versions["max_version"] = spec.max_version
    if isinstance(spec.body, Versioned):
        versions["body_by_version"] = [{"since": v, "schema": s} for v, s in spec.body.schemas]
    if versions:
        op["x-openstack-microversions"] = versions
    return op


# OpenAPI 3.1 knows these methods; others (Swift's COPY) go under an ``x-`` extension key.
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def document(definition: ServiceDef[Any], server_url: str) -> dict[str, Any]:
    """The service's OpenAPI 3.1 document, as served at ``server_url``."""
    paths: dict[str, dict[str, Any]] = {}
    codes: set[int] = set()
    seen: dict[str, int] = {}
    for spec in definition.router.routes:
        item = paths.setdefault(path_of(spec), {})
        for method in spec.methods:
            op = _operation(spec, definition, method)
            # One handler may serve several paths (Cinder's with and without a project id).
            count = seen[op["operationId"]] = seen.get(op["operationId"], 0) + 1
            if count > 1:
                op["operationId"] += f".{count}"
            codes.update(int(c) for c, r in op["responses"].items() if "$ref" in r)
            key = method.lower()
            item[key if key in _METHODS else f"x-{method.upper()}"] = op
    info: dict[str, Any] = {"title": definition.title or f"Nimbus {definition.name} API",
                            "version": definition.microversion.maximum
                            if definition.microversion else "1.0"}
    components: dict[str, Any] = {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header",
                                      "name": "X-Auth-Token"}},
        "responses": {f"Fault{c}": _fault_response(definition.fault_style, c)
                      for c in sorted(codes)},
    }
    if definition.fault_style not in TEXT_FAULTS:
        components["schemas"] = {"Fault": FAULT_SCHEMAS.get(definition.fault_style,
                                                            FAULT_SCHEMAS["keystone"])}
    return {"openapi": "3.1.0", "info": info, "servers": [{"url": server_url}],
            "security": [{"token": []}], "paths": paths, "components": components}
