"""Typed settings. Only this package reads the environment and configuration files.

Defaults describe embedded mode: SQLite in the state directory and the in-memory bus. A
``nimbus.yaml`` in the state directory, then ``NIMBUS_*`` environment variables, then command-line
options override them, in that order.

Each service's settings are a group of their own (``conf/image.py``…). A group is written as a
mapping (``image: {size_cap: 10}``) or with flat names (``image_size_cap: 10``, which is also how
``NIMBUS_IMAGE_SIZE_CAP`` reaches it). An unknown name in ``nimbus.yaml`` or in the overrides is
an error that names it, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nimbus.conf.coerce import SettingsError, apply_values
from nimbus.conf.compute import ComputeSettings
from nimbus.conf.dashboard import DashboardSettings
from nimbus.conf.identity import IdentitySettings
from nimbus.conf.image import ImageSettings
from nimbus.conf.network import NetworkSettings
from nimbus.conf.object import ObjectSettings
from nimbus.conf.volume import VolumeSettings

__all__ = ["Settings", "SettingsError", "load"]

# Names from before the settings had groups; they still work everywhere a name is read.
ALIASES: dict[str, tuple[str, str]] = {
    "fake_compute_hosts": ("compute", "fake_hosts"),
    "compute_driver": ("compute", "driver"),
    "volume_driver": ("volume", "driver"),
    "network_driver": ("network", "driver"),
    "nova_max_microversion": ("compute", "max_microversion"),
    "kdf_cost": ("identity", "kdf_cost"),
    "token_expiration": ("identity", "token_expiration"),
    "security_compliance": ("identity", "security_compliance"),
    "federation": ("identity", "federation"),
}


@dataclass
class Settings:
    state_dir: Path = Path("~/.nimbus").expanduser()
    host: str = "127.0.0.1"
    port: int = 8700
    public_host: str = ""
    # Where the identity API is, for processes that do not run it (default: this process's URL).
    identity_url: str = ""
    db_url: str = ""
    bus_url: str = "memory://"
    # API processes (``--workers``): 0 is one per core. They share the port; background work
    # runs once, in the first.
    workers: int = 0
    # Set only in an embedded cloud's extra API processes: the socket through which they reach
    # the first process's in-memory bus (``core/bus/bridge.py``).
    bus_bridge: str = ""
    # Also from NIMBUS_ADMIN_PASSWORD, or the first line of ``admin_password_file``: an option
    # on the command line would show in ``ps`` to every local user.
    admin_password: str = ""
    admin_password_file: str = ""
    region: str = "RegionOne"
    # Seconds a validated token is trusted without asking the identity service again.
    token_cache_seconds: int = 30
    rpc_timeout: float = 60.0
    # Seconds a client may take to send the next piece of a request body.
    request_body_timeout: float = 60.0
    log_level: str = "INFO"
    # Comma-separated subset of services this process runs (empty: all of them).
    services: str = ""
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    compute: ComputeSettings = field(default_factory=ComputeSettings)
    image: ImageSettings = field(default_factory=ImageSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    volume: VolumeSettings = field(default_factory=VolumeSettings)
    object: ObjectSettings = field(default_factory=ObjectSettings)
    dashboard: DashboardSettings = field(default_factory=DashboardSettings)

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.state_dir / 'nimbus.db'}"

    @property
    def public_url(self) -> str:
        return f"http://{self.public_host or self.host}:{self.port}"

    @property
    def host_name(self) -> str:
        return self.compute.host or os.uname().nodename

    @property
    def agent_hosts(self) -> list[str]:
        """The hosts this process runs agents for: this machine, or the N it plays
        (``compute.fake_hosts``, ``nimbus up --compute-hosts N``)."""
        count, base = self.compute.fake_hosts, self.host_name
        return [base] if count <= 1 else [f"{base}-{i}" for i in range(1, count + 1)]


_GROUPS = tuple(f.name for f in dataclasses.fields(Settings)
                if dataclasses.is_dataclass(f.default_factory))  # type: ignore[arg-type]


def _grouped(values: dict[str, Any]) -> dict[str, Any]:
    """Flat names (``image_size_cap``) and old names moved into their groups."""
    out: dict[str, Any] = {}
    for raw_key, value in values.items():
        key = raw_key.replace("-", "_")
        if key in ALIASES:
            alias_group, name = ALIASES[key]
            out.setdefault(alias_group, {})[name] = value
            continue
        prefix = next((g for g in _GROUPS if key.startswith(g + "_")), None)
        if prefix is not None and key not in _ROOT_FIELDS:
            out.setdefault(prefix, {})[key[len(prefix) + 1:]] = value
            continue
        if key in _GROUPS and isinstance(value, dict):
            out.setdefault(key, {}).update(value)
            continue
        out[key] = value
    return out


_ROOT_FIELDS = {f.name for f in dataclasses.fields(Settings)}


def _env_values(environ: dict[str, str]) -> dict[str, Any]:
    """``NIMBUS_*`` variables that name a setting; other ``NIMBUS_`` names belong to others."""
    found: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith("NIMBUS_") or name == "NIMBUS_STATE_DIR":
            continue
        key = name[len("NIMBUS_"):].lower()
        grouped = _grouped({key: value})
        if _known(grouped):
            found[key] = value
    return found


def _known(grouped: dict[str, Any]) -> bool:
    defaults = Settings()
    for key, value in grouped.items():
        if key not in _ROOT_FIELDS:
            return False
        current = getattr(defaults, key)
        if dataclasses.is_dataclass(current) and isinstance(value, dict):
            names = {f.name for f in dataclasses.fields(current)}
            if not set(value) <= names:
                return False
    return True


def load(overrides: dict[str, Any] | None = None,
         environ: dict[str, str] | None = None) -> Settings:
    """Build the settings: defaults, then the state dir's nimbus.yaml, env, then ``overrides``."""
    overrides = dict(overrides or {})
    environ = dict(os.environ if environ is None else environ)
    settings = Settings()
    state_dir = overrides.get("state_dir") or environ.get("NIMBUS_STATE_DIR")
    if state_dir:
        settings.state_dir = Path(str(state_dir)).expanduser().resolve()
    config_file = settings.state_dir / "nimbus.yaml"
    if config_file.exists():
        try:
            data = yaml.safe_load(config_file.read_text()) or {}
        except yaml.YAMLError as exc:
            raise SettingsError(f"{config_file} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise SettingsError(f"{config_file} must hold a mapping of settings.")
        apply_values(settings, _grouped(data), str(config_file))
    apply_values(settings, _grouped(_env_values(environ)), "the environment")
    apply_values(settings, _grouped({k: v for k, v in overrides.items() if v is not None}),
                 "the command line")
    settings.state_dir = settings.state_dir.expanduser().resolve()
    if settings.admin_password_file and not settings.admin_password:
        source = Path(settings.admin_password_file).expanduser()
        try:
            settings.admin_password = source.read_text().splitlines()[0].strip()
        except (OSError, IndexError):
            raise SettingsError(f"cannot read the admin password from {source}") from None
    return settings
