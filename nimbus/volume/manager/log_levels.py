"""Log levels of this process's loggers, as Cinder's set-log and get-log (3.32) see them: by
logger-name prefix. The API process answers for itself; each volume agent for itself."""

from __future__ import annotations

import logging


def set_log_levels(prefix: str, level: str) -> None:
    """Set every logger of this process whose name starts with ``prefix`` to ``level``."""
    wanted = logging.getLevelName(level.upper())
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.startswith(prefix):
            logger.setLevel(wanted)


def get_log_levels(prefix: str) -> dict[str, str]:
    """The effective level of every logger of this process whose name starts with ``prefix``."""
    return {name: logging.getLevelName(logger.getEffectiveLevel())
            for name, logger in sorted(logging.root.manager.loggerDict.items())
            if isinstance(logger, logging.Logger) and name.startswith(prefix)}
