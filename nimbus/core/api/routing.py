"""Declaring routes: each one names its handler and its contract.

A handler is a plain (synchronous) function ``handler(req: ApiRequest[State]) -> result``. Beside
it, the route declares what it accepts and answers: the request body's JSON Schema (``body``,
optionally by microversion), its query parameters (``query``), the microversions it exists in,
its success status and the faults it may answer with. The dispatcher (``dispatch.py``) checks
every request against that declaration before the handler runs, and ``openapi.py`` turns the
same declarations into the service's ``/openapi.json``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from nimbus.core.api.request import ApiRequest, Reply
from nimbus.core.api.validation import Schema, Versioned

Handler = Callable[[ApiRequest[Any]], Any]
H = TypeVar("H", bound=Callable[..., Any])

__all__ = ["ApiRequest", "Handler", "Reply", "RouteSpec", "Router"]


@dataclass
class RouteSpec:
    path: str
    methods: list[str]
    handler: Handler
    status: int = 200
    # No token needed (version discovery, token issue).
    public: bool = False
    # The body is read as a stream of bytes by the handler, never held whole.
    stream: bool = False
    # The handler decides without a policy rule (discovery, or a rule it checks conditionally).
    policy_free: bool = False
    body: Schema | Versioned | None = None
    query: Schema | None = None
    # The path parameters, as an object schema over their (string) values.
    params: Schema | None = None
    min_version: str | None = None
    max_version: str | None = None
    # Fault statuses beyond those every route of its kind may give (see ``openapi.faults_of``).
    faults: tuple[int, ...] = ()
    # Media types the body may come in (default: JSON, or bytes for a stream).
    content_types: tuple[str, ...] = ()
    # Media types its faults may come in besides the service's own (S3's XML errors).
    fault_types: tuple[str, ...] = ()
    # Other success statuses (a PUT that creates gives 201, one that replaces 204).
    also: tuple[int, ...] = ()
    # A rule enforced (against the caller's own scope) before the request is checked, for
    # services that refuse a caller before reading what they sent (Placement, Keystone).
    policy: str | None = None

    def schemas(self) -> list[Schema]:
        """Every JSON Schema the route declares (each body version, and the query)."""
        found: list[Schema] = []
        if isinstance(self.body, Versioned):
            found.extend(schema for _, schema in self.body.schemas)
        elif self.body is not None:
            found.append(self.body)
        if self.query is not None:
            found.append(self.query)
        if self.params is not None:
            found.append(self.params)
        return found

    @property
    def summary(self) -> str:
        doc = (self.handler.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.handler.__name__.replace("_", " ")


class Router:
    """Collects a service's routes: ``@router.get("/servers/{server_id}")``.

    A service's own router is made with ``gather``, which imports its API modules and returns
    their routers: that happens when its routes are first read (its first request, or its
    OpenAPI document), so a process loads only the APIs it is asked for.
    """

    def __init__(self, gather: Callable[[], Iterable[Router]] | None = None) -> None:
        self._routes: list[RouteSpec] = []
        self._gather = gather
        self._lock = threading.Lock()

    @property
    def routes(self) -> list[RouteSpec]:
        if self._gather is not None:
            with self._lock:
                if self._gather is not None:
                    gathered = [spec for router in self._gather() for spec in router.routes]
                    self._routes[:0] = gathered
                    self._gather = None
        return self._routes

    def route(self, path: str, methods: list[str], **options: Any) -> Callable[[H], H]:
        def register(func: H) -> H:
            spec = RouteSpec(path, methods, func, **options)
            if spec.public:
                spec.policy_free = True
            self.routes.append(spec)
            return func

        return register

    def get(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route(path, ["GET"], **kw)

    def head(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route(path, ["HEAD"], **kw)

    def post(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route(path, ["POST"], **kw)

    def put(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route(path, ["PUT"], **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route(path, ["PATCH"], **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[H], H]:
        return self.route(path, ["DELETE"], **kw)

    def include(self, other: Router) -> None:
        self.routes.extend(other.routes)
