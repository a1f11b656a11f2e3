"""How a service plugs into the cloud: its definition, and its runtime in one process."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from starlette.routing import BaseRoute

from nimbus.core.api.context import RequestContext
from nimbus.core.api.memo import Front
from nimbus.core.api.microversion import MicroversionSpec
from nimbus.core.api.routing import Router
from nimbus.core.api.validation import Failure
from nimbus.core.auth.validate import TokenValidator
from nimbus.core.errors import NimbusError
from nimbus.core.platform import Platform
from nimbus.core.policy.enforcer import Enforcer

S = TypeVar("S")


class Worker(Protocol):
    """Anything a service starts in the background: it must stop when asked."""

    def stop(self) -> None: ...


@dataclass
class ServiceDef(Generic[S]):
    """What a service package declares in its ``service.py`` as ``SERVICE``.

    ``start(platform)`` builds the service's typed state (its managers, drivers, clients).
    ``workers(platform, state, roles)`` starts the background roles asked for (``scheduler``,
    ``compute-agent``…; embedded mode asks for all) and returns them. ``bootstrap(platform,
    state)`` creates the first-start data and must be idempotent. ``health(state)`` returns a
    JSON-safe dict; it raises when the service cannot answer.
    """

    name: str
    service_type: str
    prefix: str
    fault_style: str
    router: Router
    policy: dict[str, str]
    start: Callable[[Platform], S]
    endpoint_path: str = ""
    extra_catalog_types: list[str] = field(default_factory=list)
    # Catalog entries of other types at other paths below the prefix (object storage's S3 API).
    extra_endpoints: dict[str, str] = field(default_factory=dict)
    microversion: MicroversionSpec | None = None
    workers: Callable[[Platform, S, set[str]], list[Worker]] | None = None
    bootstrap: Callable[[Platform, S], None] | None = None
    health: Callable[[S], dict[str, Any]] | None = None
    # Headers every response carries, errors included, made from the request id (Nova's
    # ``x-compute-request-id``, Swift's ``X-Trans-Id``).
    response_headers: Callable[[str], dict[str, str]] | None = None
    # How a request that breaks its schema is worded: a name in ``validation.STYLES`` or the
    # service's own function; default: its fault style's.
    validation_style: str | Callable[[Failure], NimbusError] = ""
    keep_trailing_slash: bool = False
    # Paths (below the prefix) whose trailing slash stands for an empty id: left as they are, so
    # that they are not found, as the real service answers them.
    empty_id_paths: re.Pattern[str] | None = None
    # With trailing slashes kept: whether ``/x/`` with no route of its own is redirected to
    # ``/x`` (Glance, Swift) or is simply not found (Nova matches paths exactly).
    redirect_slashes: bool = True
    # Routes served beside the API: pages and websockets that a browser opens with no token
    # (a console proxy's), which bypass the dispatcher and so check access themselves. Built
    # once from the runtime, whose state they read per request; they come before the API's
    # routes under the service's prefix.
    raw_routes: Callable[[ServiceRuntime[S]], list[BaseRoute]] | None = None
    # The service checks path and query text itself (Swift answers NUL in a name with its own
    # 412); otherwise the dispatcher refuses NUL there with a 400.
    own_name_checks: bool = False
    # What sees each request under the prefix before the routes do, and may answer it itself
    # (``core/api/memo.py``): identity answers a validation it has already made from memory.
    front: Callable[[ServiceRuntime[S]], Front] | None = None
    has_db: bool = True
    title: str = ""
    # Listed in the identity catalog (the dashboard, a site for people, is not).
    in_catalog: bool = True


class ServiceRuntime(Generic[S]):
    """One service inside one process: its definition, state, policy and authentication."""

    def __init__(self, definition: ServiceDef[S], state: S, auth: TokenValidator,
                 policy_dir: Any, body_timeout: float = 60.0) -> None:
        self.definition = definition
        self.state = state
        self.auth = auth
        self.body_timeout = body_timeout
        self.enforcer = Enforcer(definition.name, definition.policy, policy_dir)
        self.workers: list[Worker] = []

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def prefix(self) -> str:
        return self.definition.prefix

    @property
    def service_types(self) -> set[str]:
        return {self.definition.service_type, *self.definition.extra_catalog_types}

    @property
    def fault_style(self) -> str:
        return self.definition.fault_style

    @property
    def validation_style(self) -> str | Callable[[Failure], NimbusError]:
        return self.definition.validation_style or self.definition.fault_style

    @property
    def microversion(self) -> MicroversionSpec | None:
        return self.definition.microversion

    def stamp(self, headers: Any, request_id: str) -> None:
        """Add the request id headers every response of this service carries."""
        headers["x-openstack-request-id"] = request_id
        if self.definition.response_headers is not None:
            for name, value in self.definition.response_headers(request_id).items():
                headers.setdefault(name, value)

    def authenticate(self, ctx: RequestContext, token: str) -> None:
        self.auth.fill_context(ctx, token)

    def health(self) -> dict[str, Any]:
        extra = self.definition.health(self.state) if self.definition.health else {}
        return {"status": "up", **extra}
