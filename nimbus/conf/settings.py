"""Typed settings. Only this package reads the environment and configuration files.

Defaults describe embedded mode: SQLite in the state directory and the in-memory bus. A
``nimbus.yaml`` in the state directory, then ``NIMBUS_*`` environment variables, then command-line
options override them, in that order.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass
class SecurityCompliance:
    lockout_failure_attempts: int = 2
    lockout_duration: int = 5
    unique_last_password_count: int = 2
    minimum_password_age_days: int = 0
    password_expires_days: int = 0
    password_regex: str = ""
    password_regex_description: str = ""
    change_password_upon_first_use: bool = False


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
    admin_password: str = ""
    region: str = "RegionOne"
    token_expiration: int = 3600
    token_cache_seconds: int = 30
    kdf_cost: int = 14
    rpc_timeout: float = 60.0
    compute_driver: str = "fake"
    fake_compute_hosts: int = 1
    compute_host: str = ""
    image_store: str = "file"
    object_driver: str = "file"
    volume_driver: str = "fake"
    nova_max_microversion: str = "2.96"
    log_level: str = "INFO"
    # Comma-separated subset of services this process runs (empty: all of them).
    services: str = ""
    security_compliance: SecurityCompliance = field(default_factory=SecurityCompliance)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.state_dir / 'nimbus.db'}"

    @property
    def public_url(self) -> str:
        return f"http://{self.public_host or self.host}:{self.port}"

    @property
    def host_name(self) -> str:
        return self.compute_host or os.uname().nodename


def _coerce(value: Any, current: Any) -> Any:
    if isinstance(current, bool):
        return str(value).lower() in ("1", "true", "yes", "on") if isinstance(value, str) else bool(
            value
        )
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float):
        return float(value)
    if isinstance(current, Path):
        return Path(str(value)).expanduser()
    return value


def _apply(settings: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        key = key.replace("-", "_")
        if not hasattr(settings, key) or value is None:
            continue
        current = getattr(settings, key)
        if dataclasses.is_dataclass(current) and isinstance(value, dict):
            _apply(current, value)
        else:
            setattr(settings, key, _coerce(value, current))


def load(overrides: dict[str, Any] | None = None) -> Settings:
    """Build the settings: defaults, then the state dir's nimbus.yaml, env, then ``overrides``."""
    overrides = dict(overrides or {})
    settings = Settings()
    state_dir = overrides.get("state_dir") or os.environ.get("NIMBUS_STATE_DIR")
    if state_dir:
        settings.state_dir = Path(state_dir).expanduser().resolve()
    config_file = settings.state_dir / "nimbus.yaml"
    if config_file.exists():
        _apply(settings, yaml.safe_load(config_file.read_text()) or {})
    env = {
        k[len("NIMBUS_") :].lower(): v
        for k, v in os.environ.items()
        if k.startswith("NIMBUS_") and k != "NIMBUS_STATE_DIR"
    }
    _apply(settings, env)
    _apply(settings, overrides)
    settings.state_dir = settings.state_dir.expanduser().resolve()
    return settings
