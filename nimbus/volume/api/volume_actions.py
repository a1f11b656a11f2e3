"""POST /volumes/{id}/action: attach and detach steps, extend, flags, admin resets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import BadRequest
from nimbus.volume.api.common import VolumeRouter, ctx_dict, scope
from nimbus.volume.errors import InvalidInput
from nimbus.volume.schemas.common import to_bool

router = VolumeRouter()

_ACT = "volume_extension:volume_actions"
Action = Callable[[ApiRequest, dict[str, Any], Any], Any]
_ACTIONS: dict[str, tuple[str, Action]] = {}


def action(name: str, rule: str) -> Callable[[Action], Action]:
    def register(func: Action) -> Action:
        _ACTIONS[name] = (rule, func)
        return func

    return register


def _dict_arg(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"Invalid input received: {name} must be an object.")
    return value


@router.post("/volumes/{volume_id}/action", status=202)
def dispatch(req: ApiRequest) -> Any:
    body = req.body_dict()
    names = [k for k in body if k in _ACTIONS]
    if len(body) != 1 or not names:
        raise BadRequest(f"There is no such action: {', '.join(body) or 'none'}")
    name = names[0]
    rule, func = _ACTIONS[name]
    vol = req.svc.volumes.get(req.params["volume_id"], scope(req))
    req.enforce(rule, target={"project_id": vol["project_id"]})
    return func(req, vol, body[name])


@action("os-reserve", f"{_ACT}:reserve")
def reserve(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.set_status(vol["id"], None, "reserve")


@action("os-unreserve", f"{_ACT}:unreserve")
def unreserve(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.set_status(vol["id"], None, "unreserve")


@action("os-begin_detaching", f"{_ACT}:begin_detaching")
def begin_detaching(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.set_status(vol["id"], None, "begin_detaching")


@action("os-roll_detaching", f"{_ACT}:roll_detaching")
def roll_detaching(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.set_status(vol["id"], None, "roll_detaching")


@action("os-initialize_connection", f"{_ACT}:initialize_connection")
def initialize_connection(req: ApiRequest, vol: dict[str, Any], arg: Any) -> Reply:
    connector = _dict_arg(arg, "os-initialize_connection").get("connector")
    if not isinstance(connector, dict):
        raise InvalidInput(reason="Must specify a connector object.")
    info = req.svc.attachments.initialize_connection(ctx_dict(req), vol["id"], connector, None)
    return Reply({"connection_info": info}, status=200)


@action("os-terminate_connection", f"{_ACT}:terminate_connection")
def terminate_connection(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    connector = _dict_arg(arg, "os-terminate_connection").get("connector")
    if connector is not None and not isinstance(connector, dict):
        raise InvalidInput(reason="connector must be an object.")
    req.svc.attachments.terminate_connection(ctx_dict(req), vol["id"], connector, None)


@action("os-attach", f"{_ACT}:attach")
def attach(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    args = _dict_arg(arg, "os-attach")
    instance_uuid, host_name = args.get("instance_uuid"), args.get("host_name")
    if not instance_uuid and not host_name:
        raise InvalidInput(reason="Invalid request to attach volume to an invalid target")
    mode = args.get("mode") or "rw"
    req.svc.attachments.attach(vol["id"], None, instance_uuid, host_name,
                               args.get("mountpoint"), mode)


@action("os-detach", f"{_ACT}:detach")
def detach(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    args = _dict_arg(arg, "os-detach")
    req.svc.attachments.detach(vol["id"], None, args.get("attachment_id"))


@action("os-force_detach", "volume_extension:volume_admin_actions:force_detach")
def force_detach(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    args = _dict_arg(arg, "os-force_detach")
    req.svc.attachments.terminate_connection(ctx_dict(req), vol["id"], args.get("connector"),
                                             None)
    req.svc.attachments.detach(vol["id"], None, args.get("attachment_id"))


@action("os-extend", "volume:extend")
def extend(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    new_size = _dict_arg(arg, "os-extend").get("new_size")
    try:
        size = int(str(new_size))
    except ValueError:
        size = 0
    if isinstance(new_size, bool) or size < 1:
        raise InvalidInput(reason=f"New size for extend must be an integer greater than 0, "
                                  f"not {new_size!r}.")
    attached_ok = req.at_least("3.42") and vol["status"] == "in-use"
    if attached_ok:
        req.enforce("volume:extend_attached_volume", target={"project_id": vol["project_id"]})
    req.svc.ops.extend(ctx_dict(req), vol["id"], None, size, attached_ok)


@action("os-set_bootable", "volume:update")
def set_bootable(req: ApiRequest, vol: dict[str, Any], arg: Any) -> Reply:
    args = _dict_arg(arg, "os-set_bootable")
    if "bootable" not in args:
        raise InvalidInput(reason="Must specify bootable in request.")
    req.svc.ops.set_flag(vol["id"], None, "bootable", to_bool(args["bootable"], "bootable"))
    return Reply(None, status=200)


@action("os-update_readonly_flag", "volume:update_readonly_flag")
def update_readonly(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    args = _dict_arg(arg, "os-update_readonly_flag")
    if "readonly" not in args:
        raise InvalidInput(reason="Must specify readonly in request.")
    req.svc.ops.set_flag(vol["id"], None, "readonly", to_bool(args["readonly"], "readonly"))


@action("os-reset_status", "volume_extension:volume_admin_actions:reset_status")
def reset_status(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    args = _dict_arg(arg, "os-reset_status")
    if not args.get("status") and not args.get("attach_status"):
        raise InvalidInput(reason="Must specify 'status', 'attach_status' or "
                                  "'migration_status' for update.")
    req.svc.ops.reset_status(vol["id"], args.get("status"), args.get("attach_status"))


@action("os-force_delete", "volume_extension:volume_admin_actions:force_delete")
def force_delete(req: ApiRequest, vol: dict[str, Any], arg: Any) -> None:
    req.svc.volumes.delete(ctx_dict(req), vol["id"], None, cascade=True, force=True)
