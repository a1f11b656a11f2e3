"""How a service plugs into the cloud: its definition, and its runtime in one process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nimbus.core.api.context import RequestContext
from nimbus.core.api.microversion import MicroversionSpec
from nimbus.core.api.routing import Router
from nimbus.core.policy.enforcer import Enforcer

if TYPE_CHECKING:
    from nimbus.core.cloud import Cloud


@dataclass
class ServiceDef:
    """What a service package declares in its ``service.py`` as ``SERVICE``.

    ``start(cloud)`` builds the service's state (its manager, drivers, clients) and returns it.
    ``workers(cloud, state, roles)`` starts the background roles asked for (``scheduler``,
    ``compute-agent``…; embedded mode asks for all) and returns objects with a ``stop()``.
    ``bootstrap(cloud, state)`` creates the first-start
    data and must be idempotent. ``health(state)`` returns a JSON-safe dict.
    """

    name: str
    service_type: str
    prefix: str
    fault_style: str
    router: Router
    policy: dict[str, str]
    endpoint_path: str = ""
    extra_catalog_types: list[str] = field(default_factory=list)
    microversion: MicroversionSpec | None = None
    discovery: Callable[[Any], Any] | None = None
    start: Callable[[Cloud], Any] | None = None
    workers: Callable[[Cloud, Any, set[str]], list[Any]] | None = None
    bootstrap: Callable[[Cloud, Any], None] | None = None
    health: Callable[[Any], dict[str, Any]] | None = None
    keep_trailing_slash: bool = False
    has_db: bool = True


class ServiceRuntime:
    """One service inside one process: its definition, state, policy and authentication."""

    def __init__(self, definition: ServiceDef, cloud: Cloud, state: Any) -> None:
        self.definition = definition
        self.cloud = cloud
        self.state = state
        self.enforcer = Enforcer(definition.name, definition.policy,
                                 cloud.settings.state_dir / "policy")
        self.workers: list[Any] = []

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
    def microversion(self) -> MicroversionSpec | None:
        return self.definition.microversion

    def authenticate(self, ctx: RequestContext, token: str) -> None:
        self.cloud.auth.fill_context(ctx, token)

    def health(self) -> dict[str, Any]:
        extra = self.definition.health(self.state) if self.definition.health else {}
        return {"status": "up", **extra}
