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
    """The server's fault for ``exc``. Its ``details`` (shown to administrators only) are
    what the error says of itself when it carries ``details`` (the scheduler's account of
    why no host fitted), else the traceback of a 5xx."""
    if isinstance(exc, NimbusError):
        code, message = exc.code, exc.message
    else:
        code, message = 500, f"{type(exc).__name__}: {exc}"
    own = exc.kwargs.get("details") if isinstance(exc, NimbusError) else None
    if isinstance(own, str) and own:
        details = own[:4000]
    else:
        details = "".join(traceback.format_exception(exc))[-4000:] if code >= 500 else ""
    return {"code": code, "message": message[:255], "created": iso(utcnow()),
            "details": details}


def set_error(database: Database, uuid: str, exc: BaseException) -> None:
    """Put the server in ERROR with a fault describing ``exc``; its task ends."""
    LOG.warning("instance %s failed: %s", uuid, exc)
    db.update_instance(database, uuid, vm_state=VmState.ERROR, task_state=None,
                       fault=fault_from(exc))
