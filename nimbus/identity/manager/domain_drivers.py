"""Which identity driver serves each domain (Keystone's domain-specific drivers).

A domain uses SQL unless its configuration says ``[identity] driver = <name>``. The configuration
comes from the domain configuration API when that holds any, otherwise from the file
``<state_dir>/domains/keystone.<domain name>.conf`` (INI, as Keystone's ``domain_config_dir``).
Answers are kept for a short while and the configuration is re-read after that, so a change made
through the API in another process is picked up; an unchanged configuration keeps its driver (and
its open LDAP connection).
"""

from __future__ import annotations

import configparser
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nimbus.core.errors import NimbusError, NotFound, ServiceUnavailable
from nimbus.core.plugins import load_driver
from nimbus.identity.drivers.base import IdentityDriver

LOG = logging.getLogger(__name__)
Config = dict[str, dict[str, Any]]
RECHECK_SECONDS = 30.0
MAX_ENTRIES = 4096


def read_domain_file(path: Path) -> Config:
    """The groups and options of a ``keystone.<domain>.conf`` file."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return {section: dict(parser.items(section)) for section in parser.sections()}


@dataclass
class _Entry:
    fingerprint: str
    # None: the domain's users and groups are in SQL (no driver object).
    driver: IdentityDriver | None
    checked_at: float


class DomainDrivers:
    """The driver of each domain: ``domain_name`` names a domain (for its file), ``api_config``
    gives the configuration set through the API (None when there is none)."""

    def __init__(self, domain_name: Callable[[str], str], files_dir: Path,
                 api_config: Callable[[str], Config | None]) -> None:
        self.domain_name = domain_name
        self.files_dir = files_dir
        self.api_config = api_config
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def config_of(self, domain_id: str) -> Config:
        """The domain's own configuration groups (empty when it has none)."""
        from_api = self.api_config(domain_id)
        if from_api:
            return from_api
        try:
            name = self.domain_name(domain_id)
        except NotFound:
            return {}
        path = self.files_dir / f"keystone.{name}.conf"
        return read_domain_file(path) if path.is_file() else {}

    def driver(self, domain_id: str) -> IdentityDriver | None:
        """The driver serving ``domain_id``; None for SQL (when nothing else is configured)."""
        now = time.monotonic()
        entry = self._entries.get(domain_id)
        if entry is not None and now - entry.checked_at < RECHECK_SECONDS:
            return entry.driver
        config = self.config_of(domain_id)
        fingerprint = json.dumps(config, sort_keys=True, default=str)
        with self._lock:
            entry = self._entries.get(domain_id)
            if entry is not None and entry.fingerprint == fingerprint:
                entry.checked_at = now
                return entry.driver
            driver = self._build(domain_id, config)
            if len(self._entries) >= MAX_ENTRIES:  # ids from requests must not grow this forever
                self._entries = {k: e for k, e in self._entries.items() if e.driver is not None}
            old, self._entries[domain_id] = entry, _Entry(fingerprint, driver, now)
        if old is not None and old.driver is not None:
            old.driver.close()
        return driver

    def _build(self, domain_id: str, config: Config) -> IdentityDriver | None:
        name = str(config.get("identity", {}).get("driver") or "sql").strip()
        if name == "sql":
            return None
        try:
            return load_driver("identity", name).from_domain_config(  # type: ignore[no-any-return]
                domain_id, config)
        except (ValueError, NimbusError, NotImplementedError) as exc:
            LOG.error("identity driver %r of domain %s is unusable: %s", name, domain_id, exc)
            raise ServiceUnavailable(reason=f"The identity backend of domain {domain_id} is "
                                     f"misconfigured: {exc}") from None

    def invalidate(self, domain_id: str | None = None) -> None:
        """Forget the cached answer(s), so the next use re-reads the configuration."""
        with self._lock:
            for key in [domain_id] if domain_id else list(self._entries):
                entry = self._entries.get(key)
                if entry is not None:
                    entry.checked_at = float("-inf")

    def close(self) -> None:
        with self._lock:
            entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            if entry.driver is not None:
                entry.driver.close()
