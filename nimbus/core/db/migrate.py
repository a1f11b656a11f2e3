"""Alembic, driven from code: one migration branch per service, all in one version table.

Each service keeps its revisions in ``nimbus/<service>/db/migrations/`` with the service's name as
the branch label, so services evolve independently and a scaled cloud upgrades them one by one.
"""

from __future__ import annotations

import ast
import importlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

LOG = logging.getLogger(__name__)
ENV_DIR = Path(__file__).parent / "alembic"


def versions_dir(service: str) -> Path:
    try:
        module = importlib.import_module(f"nimbus.{service}.db")
    except ImportError:
        return Path("/nonexistent")
    return Path(module.__file__ or "").parent / "migrations"


def metadata_of(service: str) -> MetaData:
    module = importlib.import_module(f"nimbus.{service}.db.models")
    return module.Base.metadata  # type: ignore[no-any-return]


def make_config(services: list[str], engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ENV_DIR))
    locations = [str(versions_dir(s)) for s in services if versions_dir(s).is_dir()]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["services"] = services
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def script_heads(services: list[str]) -> set[str]:
    """The head revisions of the services' branches, read from the revision files directly.

    Importing Alembic costs a good part of a second; a start with nothing to migrate skips it.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for service in services:
        directory = versions_dir(service)
        if not directory.is_dir():
            continue
        for path in directory.glob("*.py"):
            values: dict[str, object] = {}
            for node in _header(path.read_text()).body:
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    name = node.targets[0].id
                    if name in ("revision", "down_revision"):
                        values[name] = ast.literal_eval(node.value)
            if isinstance(values.get("revision"), str):
                revisions.add(str(values["revision"]))
            down = values.get("down_revision")
            parents.update([down] if isinstance(down, str) else list(down or []))  # type: ignore[call-overload]
    return revisions - parents


def _header(source: str) -> ast.Module:
    """The module up to its first function: where a revision file names itself and its parent.
    Parsing the migration bodies too would cost most of a quiet start's check."""
    head, found, _ = source.partition("\ndef ")
    if found:
        try:
            return ast.parse(head)
        except SyntaxError:
            pass
    return ast.parse(source)


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return set()
        return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}


def pending(engine: Engine, services: list[str]) -> bool:
    """True when the database is not at every service's head."""
    return script_heads(services) != current_heads(engine)


def upgrade(engine: Engine, services: list[str]) -> None:
    """Bring every service's branch to its head; cheap when there is nothing to do."""
    if not pending(engine, services):
        return
    from alembic import command

    cfg = make_config(services, engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    LOG.info("database schema upgraded for %s", ", ".join(services))


def revision(engine: Engine, service: str, message: str, services: list[str]) -> None:
    """Autogenerate a new revision on ``service``'s branch against the live schema."""
    from alembic import command
    from alembic.script import ScriptDirectory

    directory = versions_dir(service)
    directory.mkdir(parents=True, exist_ok=True)
    cfg = make_config(services, engine)
    cfg.attributes["autogen_service"] = service
    script = ScriptDirectory.from_config(cfg)
    has_branch = any(service in (r.branch_labels or ()) for r in script.walk_revisions())
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(
            cfg,
            message=message,
            autogenerate=True,
            head=f"{service}@head" if has_branch else "base",
            branch_label=None if has_branch else service,
            version_path=str(directory),
        )
