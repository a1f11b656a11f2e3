"""POST /volumes/{id}/action: attach and detach steps, extend, flags, admin resets.

The body names one action (``schemas/volume_actions.ACTION`` checks it and its arguments);
each action has its own policy rule and handler here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume.api.common import VolumeRouter, ctx_dict, scope
from nimbus.volume.errors import InvalidInput
from nimbus.volume.schemas import volume_actions as schema
from nimbus.volume.schemas.common import to_bool, to_size
from nimbus.volume.state import VolumeState

router = VolumeRouter()

_ACT = "volume_extension:volume_actions"
Action = Callable[[ApiRequest[VolumeState], dict[str, Any], Any], Any]
_ACTIONS: dict[str, tuple[str, Action]] = {}


def action(name: str, rule: str) -> Callable[[Action], Action]:
    def register(func: Action) -> Action:
        _ACTIONS[name] = (rule, func)
        return func

    return register


# Most actions answer 202; os-initialize_connection (the connection_info) and os-set_bootable 200.
@router.post("/volumes/{volume_id}/action", status=202, also=(200,), body=schema.ACTION,
             faults=(409,))
def dispatch(req: ApiRequest[VolumeState]) -> Any:
    """Run one volume action (os-attach, os-extend, os-reset_status...)."""
    ((name, arg),) = req.json.items()
    rule, func = _ACTIONS[name]
    vol = req.svc.volumes.get(req.params["volume_id"], scope(req))
    req.enforce(rule, target={"project_id": vol["project_id"]})
    return func(req, vol, arg or {})


@action("os-reserve", f"{_ACT}:reserve")
def reserve(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.set_status(vol["id"], None, "reserve")


@action("os-unreserve", f"{_ACT}:unreserve")
def unreserve(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.set_status(vol["id"], None, "unreserve")


@action("os-begin_detaching", f"{_ACT}:begin_detaching")
def begin_detaching(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.set_status(vol["id"], None, "begin_detaching")


@action("os-roll_detaching", f"{_ACT}:roll_detaching")
def roll_detaching(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.set_status(vol["id"], None, "roll_detaching")


@action("os-initialize_connection", f"{_ACT}:initialize_connection")
def initialize_connection(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> Reply:
    info = req.svc.attachments.initialize_connection(ctx_dict(req), vol["id"], arg["connector"],
                                                     None)
    return Reply({"connection_info": info}, status=200)


@action("os-terminate_connection", f"{_ACT}:terminate_connection")
def terminate_connection(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.check_user_detach(ctx_dict(req), vol["id"])
    req.svc.attachments.terminate_connection(ctx_dict(req), vol["id"], arg.get("connector"),
                                             None)


@action("os-attach", f"{_ACT}:attach")
def attach(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.attach(vol["id"], None, arg.get("instance_uuid"), arg.get("host_name"),
                               arg.get("mountpoint"), arg.get("mode") or "rw")


@action("os-detach", f"{_ACT}:detach")
def detach(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.attachments.check_user_detach(ctx_dict(req), vol["id"], arg.get("attachment_id"))
    req.svc.attachments.detach(vol["id"], None, arg.get("attachment_id"))


@action("os-force_detach", "volume_extension:volume_admin_actions:force_detach")
def force_detach(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    # Forced or not, an admin's detach of a disk a server still uses is compute's to do.
    req.svc.attachments.check_user_detach(ctx_dict(req), vol["id"], arg.get("attachment_id"))
    req.svc.attachments.terminate_connection(ctx_dict(req), vol["id"], arg.get("connector"),
                                             None)
    req.svc.attachments.detach(vol["id"], None, arg.get("attachment_id"))


@action("os-extend", "volume:extend")
def extend(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    size = to_size(arg["new_size"])
    attached_ok = req.at_least("3.42") and vol["status"] == "in-use"
    if attached_ok:
        req.enforce("volume:extend_attached_volume", target={"project_id": vol["project_id"]})
    req.svc.actions.extend(ctx_dict(req), vol["id"], None, size, attached_ok)


@action("os-volume_upload_image", f"{_ACT}:upload_image")
def upload_image(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> Reply:
    if not req.at_least("3.1"):
        arg = {k: v for k, v in arg.items() if k not in ("visibility", "protected")}
    if arg.get("visibility") == "public":
        req.enforce(f"{_ACT}:upload_public", target={"project_id": vol["project_id"]})
    if "protected" in arg:
        arg["protected"] = to_bool(arg["protected"], "protected")
    if "force" in arg:
        arg["force"] = to_bool(arg["force"], "force")
    # The image is made with the caller's own token, so that it is theirs.
    done = req.svc.data.upload(ctx_dict(req), vol["id"], scope(req), arg, req.ctx.auth_token)
    return Reply({"os-volume_upload_image": schema.upload_view(done)}, status=202)


@action("revert", "volume:revert_to_snapshot")
def revert(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    _needs(req, "revert", "3.40")
    req.svc.data.revert(ctx_dict(req), vol["id"], scope(req), arg["snapshot_id"])


@action("os-extend_volume_completion",
        "volume_extension:volume_admin_actions:extend_volume_completion")
def extend_volume_completion(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    _needs(req, "os-extend_volume_completion", "3.71")
    req.svc.data.complete_extend(vol["id"], to_bool(arg["error"], "error"),
                                 req.ctx.request_id)


def _needs(req: ApiRequest[VolumeState], name: str, version: str) -> None:
    """An action newer than the request's microversion is unknown to it, as in Cinder."""
    if not req.at_least(version):
        raise InvalidInput(reason=f"Action {name} needs microversion {version} or later.")


@action("os-set_bootable", "volume:update")
def set_bootable(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> Reply:
    req.svc.actions.set_flag(vol["id"], None, "bootable", to_bool(arg["bootable"], "bootable"))
    return Reply(None, status=200)


@action("os-update_readonly_flag", "volume:update_readonly_flag")
def update_readonly(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.actions.set_flag(vol["id"], None, "readonly", to_bool(arg["readonly"], "readonly"))


@action("os-set_image_metadata", "volume_extension:volume_image_metadata:set")
def set_image_metadata(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> Reply:
    found = req.svc.actions.image_metadata(vol["id"], None, merge=dict(arg["metadata"]))
    return Reply({"metadata": found}, status=200)


@action("os-unset_image_metadata", "volume_extension:volume_image_metadata:remove")
def unset_image_metadata(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> Reply:
    req.svc.actions.image_metadata(vol["id"], None, remove=str(arg["key"]))
    return Reply(None, status=200)


@action("os-show_image_metadata", "volume_extension:volume_image_metadata:show")
def show_image_metadata(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> Reply:
    return Reply({"metadata": req.svc.actions.image_metadata(vol["id"], None)}, status=200)


@action("os-reset_status", "volume_extension:volume_admin_actions:reset_status")
def reset_status(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.actions.reset_status(vol["id"], arg.get("status"), arg.get("attach_status"),
                                 arg.get("migration_status"))


@action("os-retype", "volume:retype")
def retype(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.migrations.retype(ctx_dict(req), vol["id"], scope(req), arg["new_type"],
                              arg.get("migration_policy"))


@action("os-migrate_volume", "volume_extension:volume_admin_actions:migrate_volume")
def migrate(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    # 3.16 names a cluster or a host; each backend is its own cluster here.
    host = arg.get("host") or (arg.get("cluster") if req.at_least("3.16") else None)
    if not host or (arg.get("host") and arg.get("cluster")):
        raise InvalidInput(reason="Exactly one of host or cluster must be given.")
    lock = to_bool(arg["lock_volume"], "lock_volume") if "lock_volume" in arg else False
    req.svc.migrations.migrate(ctx_dict(req), vol["id"], str(host), lock)


@action("os-force_delete", "volume_extension:volume_admin_actions:force_delete")
def force_delete(req: ApiRequest[VolumeState], vol: dict[str, Any], arg: Any) -> None:
    req.svc.volumes.delete(ctx_dict(req), vol["id"], None, cascade=True, force=True)
