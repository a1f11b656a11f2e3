"""Structured logs that carry the request id and never a secret."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nimbus.conf.settings import Settings

# Fernet tokens, passwords and secrets in JSON bodies or headers are masked before anything is
# written; a log line is never a way to steal a credential.
_MASKS = [
    (re.compile(r'("(?:password|secret|original_password|adminPass|token|passcode)"\s*:\s*)"[^"]*"',
                re.I), r'\1"***"'),
    (re.compile(r"(x-(?:auth|subject|service)-token['\"]?\s*[:=]\s*['\"]?)[^'\",\s]+", re.I),
     r"\1***"),
    (re.compile(r"gAAAAA[A-Za-z0-9_\-=]{20,}"), "***"),
]


def mask(text: str) -> str:
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = mask(record.getMessage())
        doc = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "msg": message,
        }
        match = re.search(r"req-[0-9a-f-]{36}", message)
        if match:
            doc["request_id"] = match.group(0)
        if record.exc_info:
            doc["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(doc)


def configure_logging(settings: Settings) -> None:
    root = logging.getLogger()
    root.handlers.clear()
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    file_handler = logging.FileHandler(settings.state_dir / "nimbus.log")
    file_handler.setFormatter(JsonFormatter())
    root.addHandler(file_handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(JsonFormatter())
    root.addHandler(console)
    root.setLevel(getattr(logging, settings.log_level.upper(), logging.INFO))
    for noisy in ("amqp", "kombu", "sqlalchemy", "alembic", "keystoneauth", "urllib3",
                  "stevedore", "oslo_policy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Its debug lines are every QMP message verbatim, a volume's key (``object-add``) too:
    # never below INFO, whatever the cloud's level.
    logging.getLogger("qemu.qmp").setLevel(max(root.level, logging.INFO))
