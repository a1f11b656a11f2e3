"""What every service of one process shares: settings, database, bus, auth and credentials.

A service is built from a ``Platform`` and never sees the other services in the process; the
``Cloud`` (``core/cloud.py``) adds those on top.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nimbus.conf.settings import Settings
from nimbus.core.auth.service_creds import ServiceCredentials
from nimbus.core.auth.validate import TokenValidator
from nimbus.core.bus.rpc import Bus
from nimbus.core.db.engine import Database
from nimbus.core.registry import Registry

LOG = logging.getLogger(__name__)
# What a state dir holds before its first start completes (the log, the lock, a config file).
_FIRST_FILES = {"nimbus.log", "nimbus.lock", "nimbus.yaml"}

# The service users and the services they act for.
SERVICE_USERS = ["nova", "placement", "glance", "neutron", "cinder", "swift", "heat"]


@dataclass(frozen=True)
class Endpoint:
    """One catalog entry this cloud serves: ``url`` may hold ``$(project_id)s``."""

    service: str
    service_type: str
    url: str
    extra_types: tuple[str, ...] = ()


@dataclass
class Facts:
    """What the identity bootstrap learns and other services' bootstraps need (by name → id)."""

    projects: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    domain: str = "default"


def private_dir(path: Path) -> None:
    """Make ``path`` (the state dir) readable by its owner only, and everything in it.

    It holds every tenant's bytes, the database and the secrets. New files are private through
    the process's umask (``nimbus`` sets 077); a state dir an older release left open is closed
    here once, file by file.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    status = path.stat()
    if status.st_mode & 0o077 == 0 or status.st_uid != os.getuid():
        return
    # Only a directory that is a state dir (or still empty) is closed: a state dir pointed at
    # some shared directory by mistake must not have that directory's modes rewritten.
    if not (path / "secrets.yaml").exists() and any(
            entry.name not in _FIRST_FILES for entry in path.iterdir()):
        LOG.info("%s is readable by others and holds files Nimbus did not write; its modes "
                 "are left as they are", path)
        return
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            target = Path(root) / name
            try:
                if not target.is_symlink():
                    target.chmod(target.stat().st_mode & 0o700)
            except OSError:
                continue
    path.chmod(0o700)


def load_secrets(state_dir: Path, admin_password: str) -> dict[str, Any]:
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
    if not data.get("metadata_proxy_shared_secret"):
        # What the network service's metadata proxy signs instance ids with, and the compute
        # metadata API checks (Nova's and Neutron's setting of that name).
        data["metadata_proxy_shared_secret"] = secrets.token_urlsafe(24)
        changed = True
    if not data.get("storage_node_key"):
        # What the object proxies and storage nodes of a scaled cloud show one another.
        data["storage_node_key"] = secrets.token_urlsafe(24)
        changed = True
    if not data.get("orchestration_signal_key"):
        # Signs the URLs servers signal orchestration's deployments and wait conditions on.
        data["orchestration_signal_key"] = secrets.token_urlsafe(32)
        changed = True
    if not data.get("dashboard_session_key"):
        # Encrypts what the dashboard keeps of a signed-in user (the token) in the database.
        data["dashboard_session_key"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
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


class Platform:
    """The shared machinery of one process, handed to each service as it starts."""

    def __init__(self, settings: Settings, service_names: list[str]) -> None:
        self.settings = settings
        private_dir(settings.state_dir)
        self.secrets = load_secrets(settings.state_dir, settings.admin_password)
        self.db = Database(settings.database_url)
        self.bus = self._bus(settings, f"nimbus-{self.secrets['cloud_id']}")
        self.auth = TokenValidator(cache_seconds=settings.token_cache_seconds,
                                   shared=settings.state_dir / "token.revocations")
        self.registry = Registry(self.db)
        # The services this process runs; a service may adapt (image uses the object store
        # only when one runs here), but reaches the others only through their APIs.
        self.service_names = list(service_names)
        self.creds = ServiceCredentials(
            self.identity_url, {u: self.secrets[f"{u}_password"] for u in SERVICE_USERS},
            settings.region,
        )
        # Every service this cloud serves, for the catalog the identity bootstrap writes.
        self.endpoints: list[Endpoint] = []
        self.facts = Facts()
        # Set once this process's services have started their workers. Background work that
        # calls other services (registrations, confirmations) waits for it, rather than take
        # the interpreter from start-up for imports and requests that can as well come after.
        self.started = threading.Event()

    @staticmethod
    def _bus(settings: Settings, namespace: str) -> Bus:
        if settings.bus_bridge:
            from nimbus.core.bus.bridge import BridgedBus

            # Without the first process there is nothing to serve: this worker stops.
            return BridgedBus(Path(settings.bus_bridge), settings.rpc_timeout, namespace,
                              on_lost=lambda: os.kill(os.getpid(), signal.SIGTERM))
        return Bus(settings.bus_url, default_timeout=settings.rpc_timeout, namespace=namespace)

    @property
    def identity_url(self) -> str:
        return self.settings.identity_url or f"{self.settings.public_url}/identity/v3"

    def runs(self, service: str) -> bool:
        return service in self.service_names
