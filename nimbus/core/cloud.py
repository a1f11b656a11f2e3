"""One process's share of the cloud: the shared platform plus the services it runs."""

from __future__ import annotations

import logging
from typing import Any

from nimbus.conf.settings import Settings
from nimbus.core.api import validation
from nimbus.core.api.service import ServiceDef, ServiceRuntime, Worker
from nimbus.core.auth.validate import remote_fetcher
from nimbus.core.db import migrate
from nimbus.core.memory import release_free_memory, tune_allocator
from nimbus.core.platform import Endpoint, Platform
from nimbus.core.plugins import SERVICES, service_definition

LOG = logging.getLogger(__name__)

# The user each service acts as when it calls another (and checks tokens remotely).
SERVICE_USER = {"compute": "nova", "placement": "placement", "image": "glance",
                "network": "neutron", "volume": "cinder", "object": "swift"}


class _LazySession:
    """The service session, made on first use: the identity API may not be up yet at start."""

    def __init__(self, platform: Platform, user: str) -> None:
        self.platform = platform
        self.user = user

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.platform.creds.session(self.user).get(url, **kwargs)


class Cloud(Platform):
    """Owns the shared machinery and the services; services reach each other only through
    their public APIs."""

    def __init__(self, settings: Settings, services: list[str] | None = None) -> None:
        # Before any thread starts: the allocator's arenas are made as threads first use them.
        tune_allocator()
        chosen = [n.strip() for n in settings.services.split(",") if n.strip()]
        names = services or [n for n in SERVICES if not chosen or n in chosen]
        super().__init__(settings, names)
        self.definitions: dict[str, ServiceDef[Any]] = {
            name: service_definition(name) for name in self.service_names
        }
        self.endpoints = [
            Endpoint(d.name, d.service_type, self.endpoint_url(d), tuple(d.extra_catalog_types))
            for d in self.definitions.values() if d.in_catalog
        ]
        self.endpoints += [
            Endpoint(d.name, service_type, f"{self.settings.public_url}{d.prefix}{path}")
            for d in self.definitions.values() for service_type, path in d.extra_endpoints.items()
        ]
        self.runtimes: dict[str, ServiceRuntime[Any]] = {}
        self._workers: list[Worker] = []

    def endpoint_url(self, definition: ServiceDef[Any]) -> str:
        return f"{self.settings.public_url}{definition.prefix}{definition.endpoint_path}"

    def migrate(self) -> None:
        # Every branch, not only this process's services: the schema is shared, and a process
        # running a subset must neither miss a branch nor trip over the others' heads.
        migrate.upgrade(self.db.engine, ["core", *SERVICES])

    def start(self) -> None:
        """Build every service's state, in dependency order."""
        if "identity" not in self.service_names:
            self._validate_remotely()
        for name in self.service_names:
            definition = self.definitions[name]
            state = definition.start(self)
            self.runtimes[name] = ServiceRuntime(definition, state, self.auth,
                                                 self.settings.state_dir / "policy",
                                                 self.settings.request_body_timeout)

    def _validate_remotely(self) -> None:
        """Without identity in this process, tokens are checked through the identity API, as
        the first of this process's services' own user."""
        user = next((SERVICE_USER[n] for n in self.service_names if n in SERVICE_USER), "nova")
        self.auth.use_remote(remote_fetcher(_LazySession(self, user), self.identity_url))

    def bootstrap(self) -> None:
        for name in self.service_names:
            runtime = self.runtimes[name]
            if runtime.definition.bootstrap:
                runtime.definition.bootstrap(self, runtime.state)

    def start_workers(self, roles: set[str]) -> None:
        for name in self.service_names:
            runtime = self.runtimes[name]
            if runtime.definition.workers:
                started = runtime.definition.workers(self, runtime.state, roles)
                runtime.workers.extend(started)
                self._workers.extend(started)
        self.started.set()

    def warm(self) -> None:
        """Load what the services' first requests would otherwise wait for: the validator
        and each policy engine. (Each schema is compiled on its route's first use.)"""
        validation.warm()
        for runtime in self.runtimes.values():
            runtime.enforcer.warm()
        # Start-up's garbage is gone by now; what the heaps kept of it goes back.
        release_free_memory()

    def health(self) -> dict[str, Any]:
        return {name: rt.health() for name, rt in self.runtimes.items()}

    def stop(self) -> None:
        for worker in reversed(self._workers):
            try:
                worker.stop()
            except Exception:
                LOG.exception("stopping %r failed", worker)
        self.registry.stop()
        self.bus.close()
        self.db.dispose()
