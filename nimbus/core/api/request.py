"""What a handler sees of a request: ``ApiRequest[S]``, where ``S`` is its service's state."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import anyio
import anyio.from_thread
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request

from nimbus.core.api.context import RequestContext
from nimbus.core.api.microversion import Version
from nimbus.core.errors import BadRequest, MalformedBody, RequestTimeout, ValidationError
from nimbus.core.policy.enforcer import Enforcer

S = TypeVar("S")
STREAM_BATCH = 1024 * 1024


@dataclass
class Reply:
    """A handler result with a status and headers other than the route's defaults."""

    body: Any = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


# JSON a database or another service could not take back: NUL (PostgreSQL stores no NUL in
# text), lone UTF-16 surrogates, numbers beyond 64 bits, and the non-standard NaN/Infinity
# (which json.loads accepts). Only a body holding such an escape or number is walked.
_ODD_ESCAPE = re.compile(rb"\\u([dD][89a-fA-F][0-9a-fA-F]{2}|0000)")
_LONG_NUMBER = re.compile(rb"[0-9]{19}")
_INT64 = 2 ** 63


def _refuse_constant(name: str) -> Any:
    raise MalformedBody(reason=f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise MalformedBody(reason=f"the number {text[:40]} is out of range")
    return value


def _unstorable(value: Any, path: str) -> str | None:
    """The path of the first string with NUL or a lone surrogate, or integer beyond 64 bits."""
    if isinstance(value, str):
        if "\x00" in value:
            return path or "body"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "body"
    elif isinstance(value, int) and not isinstance(value, bool):
        if not -_INT64 <= value < _INT64:
            return path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            found = _unstorable(key, path) or _unstorable(item, f"{path}.{key}" if path else key)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _unstorable(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def parse_json(raw: bytes) -> Any:
    """A JSON body (None when empty); malformed, too deeply nested, or unstorable JSON (lone
    surrogates, integers beyond 64 bits, NaN or infinite numbers) is a 400 naming where."""
    if not raw.strip():
        return None
    try:
        body = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError:
        raise MalformedBody(reason="the JSON document is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBody(reason=str(exc)) from None
    if _ODD_ESCAPE.search(raw) or _LONG_NUMBER.search(raw):
        where = _unstorable(body, "")
        if where is not None:
            raise ValidationError(field=where, reason="the value cannot be stored (NUL, a "
                                  "lone surrogate, or an integer beyond 64 bits)")
    return body


class ApiRequest(Generic[S]):
    """One request, as its handler sees it; ``svc`` is the service's typed state."""

    def __init__(self, request: Request, state: S, enforcer: Enforcer, prefix: str,
                 ctx: RequestContext, raw: bytes, version: Version | None,
                 body_timeout: float = 60.0) -> None:
        self._request = request
        self.body_timeout = body_timeout
        self._state = state
        self.enforcer = enforcer
        self.prefix = prefix
        self.ctx = ctx
        self.raw_body = raw
        self.version = version
        self.params: dict[str, str] = dict(request.path_params)
        self.query: QueryParams = request.query_params
        self.headers: Headers = request.headers
        self.method = request.method
        # The query parameters the route declares, checked and converted (see ``routing``).
        self.args: dict[str, Any] = {}
        self._json: Any = None
        self._parsed = False
        self._at_least: dict[str, bool] = {}

    @property
    def svc(self) -> S:
        """The service's own state (its managers and friends), built at start-up."""
        return self._state

    @property
    def json(self) -> Any:
        """The parsed JSON body (None when empty); a malformed body is a 400, never a 500."""
        if not self._parsed:
            self._json = parse_json(self.raw_body)
            self._parsed = True
        return self._json

    def set_json(self, body: Any) -> None:
        """The body as already parsed by the dispatcher, so it is parsed once."""
        self._json = body
        self._parsed = True

    def body_dict(self, key: str | None = None) -> dict[str, Any]:
        """The body as an object, or its ``key`` member; a 400 naming what is missing otherwise."""
        body = self.json
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        if key is None:
            return body
        inner = body.get(key)
        if not isinstance(inner, dict):
            raise BadRequest(f"The request body must contain a '{key}' object.")
        return inner

    def stream(self, batch: int = STREAM_BATCH) -> Iterator[bytes]:
        """The body in pieces of about ``batch`` bytes, never held whole (``stream=True`` routes).

        The server hands the body over in small pieces (64 KiB); each hop from this worker
        thread to the event loop costs two thread wake-ups, which under CPU contention dominate
        a large upload. So one hop gathers pieces on the loop until ``batch`` bytes are there.
        """
        agen = self._request.stream()
        timeout = self.body_timeout

        async def gather() -> bytes:
            parts: list[bytes] = []
            size = 0
            while size < batch:
                try:
                    # A client that stops sending mid-upload is cut off, not waited for.
                    with anyio.fail_after(timeout):
                        chunk = await agen.__anext__()
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    raise RequestTimeout(seconds=timeout) from None
                if chunk:
                    parts.append(chunk)
                    size += len(chunk)
            return parts[0] if len(parts) == 1 else b"".join(parts)

        while True:
            data = anyio.from_thread.run(gather)
            if not data:
                return
            yield data

    def enforce(self, action: str, target: dict[str, Any] | None = None) -> None:
        """Check policy ``action`` for the caller against ``target`` (defaults to the caller's own)."""
        self.ctx.enforced = True
        self.enforcer.authorize(action, self._target(target), self.ctx.creds())

    def decide(self, action: str, target: dict[str, Any] | None = None) -> bool:
        """Check policy ``action`` as the request's enforcement when the handler answers a
        refusal itself (a list that shows only what policy lets the caller see)."""
        self.ctx.enforced = True
        return self.allowed(action, target)

    def allowed(self, action: str, target: dict[str, Any] | None = None) -> bool:
        return self.enforcer.check(action, self._target(target), self.ctx.creds())

    def has_rule(self, action: str) -> bool:
        """Whether the service defines the policy rule ``action`` at all."""
        return action in self.enforcer.rule_names

    def _target(self, target: dict[str, Any] | None) -> dict[str, Any]:
        """The caller's own ids, overridden by ``target``; keys whose value is None are dropped.

        oslo.policy would render None as "None" and match it against a credential that is also
        None (an unscoped token's project, say), so an unknown owner must fail the check instead.
        """
        full: dict[str, Any] = {"project_id": self.ctx.project_id, "user_id": self.ctx.user_id,
                                "domain_id": self.ctx.domain_id}
        full.update(target or {})
        return {k: v for k, v in full.items() if v is not None}

    def at_least(self, version: str) -> bool:
        # Asked once per attribute of every row a list shows: each version is parsed once.
        known = self._at_least.get(version)
        if known is None:
            known = self._at_least[version] = \
                self.version is not None and self.version >= Version.parse(version)
        return known

    @property
    def raw_path(self) -> bytes:
        """The path as the client sent it, still percent-encoded (the decoded one has invalid
        UTF-8 replaced, which some services must refuse instead)."""
        raw = self._request.scope.get("raw_path")
        return raw if isinstance(raw, bytes) else self._request.url.path.encode()

    @property
    def raw_query(self) -> bytes:
        raw = self._request.scope.get("query_string")
        return raw if isinstance(raw, bytes) else b""

    @property
    def client_host(self) -> str | None:
        """The address of the peer that sent the request (None when the server cannot tell)."""
        client = self._request.client
        return client.host if client is not None else None

    @property
    def url(self) -> str:
        return str(self._request.url)

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def host_url(self) -> str:
        """Scheme, host and port as the client reached us."""
        url = self._request.url
        return f"{url.scheme}://{url.netloc}"

    @property
    def service_url(self) -> str:
        """The service root as the client reached it, e.g. ``http://host:port/compute``."""
        return self.host_url + self.prefix

    def query_int(self, name: str, default: int | None = None, minimum: int = 0) -> int | None:
        value = self.query.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise BadRequest(f"Invalid value '{value}' for query parameter '{name}'.") from None
        if number < minimum:
            raise BadRequest(f"Query parameter '{name}' must be >= {minimum}.")
        return number

    def query_bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.query.get(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in ("1", "true", "yes", "on", ""):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise BadRequest(f"Invalid boolean value '{value}' for query parameter '{name}'.")
