"""One process's share of the cloud: settings, database, bus, auth and the services it runs."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

import yaml

from nimbus.conf.settings import Settings
from nimbus.core.api.service import ServiceDef, ServiceRuntime
from nimbus.core.auth.service_creds import ServiceCredentials
from nimbus.core.auth.validate import TokenValidator, remote_fetcher
from nimbus.core.bus.rpc import Bus
from nimbus.core.db import migrate
from nimbus.core.db.engine import Database
from nimbus.core.plugins import SERVICES, service_definition
from nimbus.core.registry import Registry

LOG = logging.getLogger(__name__)

# The service users and the services they act for.
SERVICE_USERS = ["nova", "placement", "glance", "neutron", "cinder", "swift"]


def _load_secrets(state_dir: Path, admin_password: str) -> dict[str, Any]:
    path = state_dir / "secrets.yaml"
    data: dict[str, Any] = {}
    if path.exists():
        data = yaml.safe_load(path.read_text()) or {}
    changed = False
    if admin_password and data.get("admin_password") != admin_password:
        data["admin_password"] = admin_password
        changed = True
    for key in ["admin_password", "demo_password"] + [f"{u}_password" for u in SERVICE_USERS]:
        if not data.get(key):
            data[key] = secrets.token_urlsafe(18)
            changed = True
    if not data.get("cloud_id"):
        # Names this cloud's exchanges and queues on a shared broker; every process of the
        # cloud reads it from the same secrets.yaml.
        data["cloud_id"] = secrets.token_hex(4)
        changed = True
    if changed:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            yaml.safe_dump(data, fh)
    return data


class _LazySession:
    """The service session, made on first use: the identity API may not be up yet at start."""

    def __init__(self, creds: ServiceCredentials, user: str) -> None:
        self.creds = creds
        self.user = user

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.creds.session(self.user).get(url, **kwargs)


class Cloud:
    """Owns the shared machinery; services reach each other only through their public APIs."""

    def __init__(self, settings: Settings, services: list[str] | None = None) -> None:
        self.settings = settings
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        self.secrets = _load_secrets(settings.state_dir, settings.admin_password)
        self.db = Database(settings.database_url)
        self.bus = Bus(settings.bus_url, default_timeout=settings.rpc_timeout,
                       namespace=f"nimbus-{self.secrets['cloud_id']}")
        self.auth = TokenValidator(cache_seconds=settings.token_cache_seconds)
        self.registry = Registry(self.db)
        chosen = [n.strip() for n in settings.services.split(",") if n.strip()]
        self.service_names = services or [n for n in SERVICES if not chosen or n in chosen]
        self.definitions: dict[str, ServiceDef] = {
            name: service_definition(name) for name in self.service_names
        }
        self.runtimes: dict[str, ServiceRuntime] = {}
        self.creds = ServiceCredentials(
            self.identity_url, {u: self.secrets[f"{u}_password"] for u in SERVICE_USERS},
            settings.region,
        )
        self._workers: list[Any] = []
        # Facts the identity bootstrap learns (project, user and role ids by name) and other
        # services' bootstraps need, e.g. the demo project that owns the demo network.
        self.facts: dict[str, Any] = {}

    @property
    def identity_url(self) -> str:
        return self.settings.identity_url or f"{self.settings.public_url}/identity/v3"

    def endpoint_url(self, definition: ServiceDef) -> str:
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
            state = definition.start(self) if definition.start else None
            self.runtimes[name] = ServiceRuntime(definition, self, state)

    def _validate_remotely(self) -> None:
        """Without identity in this process, tokens are checked through the identity API, as
        the first of this process's services' own user."""
        users = {"compute": "nova", "placement": "placement", "image": "glance",
                 "network": "neutron", "volume": "cinder", "object": "swift"}
        user = next((users[n] for n in self.service_names if n in users), "nova")
        self.auth.use_remote(remote_fetcher(_LazySession(self.creds, user), self.identity_url))

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
