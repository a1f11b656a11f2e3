"""os-services: which block-storage services run and whether they are up; an operator enables,
disables, freezes and thaws them, and sets or reads their log levels (3.32)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.db.base import iso_micro
from nimbus.volume.api.common import VolumeRouter, ctx_dict
from nimbus.volume.constants import BINARY
from nimbus.volume.errors import InvalidInput
from nimbus.volume.schemas import operators
from nimbus.volume.schemas import services as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()
_UPDATE = "volume_extension:services:update"


def _view(req: ApiRequest[VolumeState], rec: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "binary": rec["binary"],
        "host": rec["host"],
        "zone": rec["zone"],
        "status": "disabled" if rec["disabled"] else "enabled",
        "state": "up" if rec["up"] else "down",
        "updated_at": iso_micro(rec["updated_at"]),
        "disabled_reason": rec["disabled_reason"],
    }
    if rec["binary"] == BINARY:
        body.update(frozen=rec["frozen"], replication_status="disabled", active_backend_id=None)
        if req.at_least("3.49"):
            body["backend_state"] = "up" if rec["up"] else "down"
    # Later fields only from their microversion: clients check these bodies against closed
    # schemas.
    if req.at_least("3.7"):
        body["cluster"] = None
    return body


@router.get("/os-services", query=schema.LIST_QUERY)
def services(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The block-storage services and their state."""
    req.enforce("volume_extension:services:index")
    found = req.svc.backends.services(req.args.get("binary"), req.args.get("host"))
    return {"services": [_view(req, rec) for rec in found]}


def _switch(req: ApiRequest[VolumeState], enabled: bool, with_reason: bool) -> dict[str, Any]:
    req.enforce(_UPDATE)
    body = req.json
    binary = body.get("binary") or body.get("service") or ""
    reason = body.get("disabled_reason") if with_reason else None
    req.svc.backends.set_enabled(body["host"], binary, enabled, reason)
    answer: dict[str, Any] = {"host": body["host"], "service": body.get("service", ""),
                              "binary": body.get("binary", ""),
                              "status": "enabled" if enabled else "disabled",
                              "disabled": not enabled}
    if enabled or with_reason:
        answer["disabled_reason"] = reason
    return answer


@router.put("/os-services/enable", body=operators.ENABLE, faults=(404,))
def enable(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Enable a service: a volume service takes new volumes again."""
    return _switch(req, enabled=True, with_reason=False)


@router.put("/os-services/disable", body=operators.ENABLE, faults=(404,))
def disable(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Disable a service: a volume service takes no new volume."""
    return _switch(req, enabled=False, with_reason=False)


@router.put("/os-services/disable-log-reason", body=operators.DISABLE_LOG_REASON, faults=(404,))
def disable_log_reason(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Disable a service, saying why."""
    return _switch(req, enabled=False, with_reason=True)


@router.put("/os-services/freeze", body=operators.FREEZE)
def freeze(req: ApiRequest[VolumeState]) -> Reply:
    """Freeze a host's volume backends: what lives there may not be changed."""
    req.enforce(_UPDATE)
    req.enforce("volume:freeze_host")
    req.svc.backends.set_frozen(req.json["host"], True)
    return Reply(None, status=200)


@router.put("/os-services/thaw", body=operators.FREEZE)
def thaw(req: ApiRequest[VolumeState]) -> Reply:
    """Thaw a host's volume backends."""
    req.enforce(_UPDATE)
    req.enforce("volume:thaw_host")
    req.svc.backends.set_frozen(req.json["host"], False)
    return Reply(None, status=200)


def _failover(req: ApiRequest[VolumeState]) -> Reply:
    req.enforce(_UPDATE)
    req.enforce("volume:failover_host")
    # No backend here replicates, so there is nothing to fail over to (Cinder's refusal).
    raise InvalidInput(reason=f"Host {req.json.get('host')} has no replication target to fail "
                              f"over to: replication is not configured.")


@router.put("/os-services/failover_host", body=operators.FAILOVER)
def failover_host(req: ApiRequest[VolumeState]) -> Reply:
    """Fail a replicating backend over to its secondary (refused: none replicates)."""
    return _failover(req)


@router.put("/os-services/failover", min_version="3.26", body=operators.FAILOVER)
def failover(req: ApiRequest[VolumeState]) -> Reply:
    """Fail a replicating backend over to its secondary (refused: none replicates)."""
    return _failover(req)


def _prefix(body: dict[str, Any]) -> str:
    return str(body.get("prefix") or "")


@router.put("/os-services/set-log", min_version="3.32", status=202, body=operators.SET_LOG)
def set_log(req: ApiRequest[VolumeState]) -> Reply:
    """Set the log level of the services' loggers whose names start with ``prefix``."""
    req.enforce(_UPDATE)
    body = req.json
    level = str(body["level"]).upper()
    if level not in operators.LOG_LEVELS:
        raise InvalidInput(reason=f"Invalid log level {body['level']}; it must be one of "
                                  f"{', '.join(operators.LOG_LEVELS)}.")
    req.svc.backends.set_log_levels(ctx_dict(req), body.get("binary"), body.get("server"),
                                    _prefix(body), level)
    return Reply(None, status=202)


@router.put("/os-services/get-log", min_version="3.32", body=operators.GET_LOG)
def get_log(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """The log levels of the services' loggers whose names start with ``prefix``."""
    req.enforce(_UPDATE)
    body = req.json
    return {"log_levels": req.svc.backends.get_log_levels(
        ctx_dict(req), body.get("binary"), body.get("server"), _prefix(body))}
