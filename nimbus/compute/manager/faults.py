"""Turning a failed build or action into the server's ``fault`` and ERROR state."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from nimbus.compute.db import instances as db
from nimbus.compute.states import VmState
from nimbus.core.db.base import iso, utcnow
from nimbus.core.db.engine import Database
from nimbus.core.errors import NimbusError

LOG = logging.getLogger(__name__)


def fault_from(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, NimbusError):
        code, message = exc.code, exc.message
    else:
        code, message = 500, f"{type(exc).__name__}: {exc}"
    return {"code": code, "message": message[:255], "created": iso(utcnow()),
            "details": "".join(traceback.format_exception(exc))[-4000:] if code >= 500 else ""}


def set_error(database: Database, uuid: str, exc: BaseException) -> None:
    """Put the server in ERROR with a fault describing ``exc``; its task ends."""
    LOG.warning("instance %s failed: %s", uuid, exc)
    db.update_instance(database, uuid, vm_state=VmState.ERROR, task_state=None,
                       fault=fault_from(exc))
