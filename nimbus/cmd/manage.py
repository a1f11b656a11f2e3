"""``nimbus manage``: schema upgrades and revisions, bootstrap, key rotation, the object ring."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from typing import Any

from nimbus.conf.settings import load
from nimbus.core.db import migrate
from nimbus.core.db.engine import engine_for_tool
from nimbus.core.plugins import SERVICES


def run(action: str, overrides: dict[str, Any], service: str | None, message: str) -> int:
    settings = load(overrides)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_for_tool(settings.database_url)
    names = ["core", *SERVICES]
    if action == "db-upgrade":
        migrate.upgrade(engine, names)
        return 0
    if action == "db-revision":
        if not service:
            print("--service is required")
            return 2
        # Only this service's branch: others may be mid-change in a working tree.
        migrate.upgrade(engine, ["core", service])
        migrate.revision(engine, service, message, ["core", service])
        return 0
    if action in ("bootstrap", "fernet-rotate"):
        from nimbus.core.cloud import Cloud

        cloud = Cloud(settings)
        cloud.migrate()
        cloud.start()
        if action == "bootstrap":
            cloud.bootstrap()
        else:
            cloud.runtimes["identity"].state.rotate_keys()
        cloud.stop()
        return 0
    return 2


def ring(argv: Sequence[str], overrides: dict[str, Any]) -> int:
    """The object ring's builder commands. They belong to the object driver that reads the
    ring, so they are loaded by name, as drivers are (the command line imports no service)."""
    module = import_module("nimbus.object.drivers.ring_cli")
    return int(module.run(argv, overrides))
