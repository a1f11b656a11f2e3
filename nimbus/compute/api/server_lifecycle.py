"""The server actions beyond power and locks: rebuild, resize and migrations, rescue, shelve,
passwords, consoles, security groups and backups, each under its Nova policy and answered
with Nova's status and body. ``server_actions.action`` dispatches here by the action's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.compute.api.common import server_for, view_of
from nimbus.compute.manager.lifecycle import new_password
from nimbus.compute.schemas import server_views
from nimbus.compute.schemas.common import as_bool
from nimbus.compute.state import ComputeState
from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.core.errors import BadRequest, Conflict, NotFound

Handler = Callable[[ApiRequest[ComputeState], Any], Reply | None]
ACCEPTED = Reply(None, 202)


def _rebuild(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
    row = server_for(req, "os_compute_api:servers:rebuild")
    if args.get("trusted_image_certificates"):
        req.enforce("os_compute_api:servers:rebuild:trusted_certs")
    if args.get("personality") and req.at_least("2.57"):
        raise BadRequest("Additional properties are not allowed ('personality' was "
                         "unexpected)")
    rebuilt, password = req.svc.lifecycle.rebuild(req.ctx, row, args, want_password=True)
    # Before 2.75 a rebuild answered with the plain server, without what the extensions add
    # to a show; what a rebuild may change (key from 2.54, user data from 2.57) is still there.
    body = server_views.detail(view_of(req), rebuilt, req.svc.volume_attachments.of(rebuilt),
                               full=req.at_least("2.75"))
    if req.at_least("2.54"):
        body["key_name"] = rebuilt.key_name
    if req.at_least("2.57"):
        body["user_data"] = rebuilt.user_data
    if req.at_least("2.71"):
        body["server_groups"] = req.svc.server_groups.groups_of(rebuilt.uuid)
    # A rebuild shows the user data as it was given (2.57), never as the extended attribute.
    body.pop("OS-EXT-SRV-ATTR:user_data", None)
    if req.at_least("2.57"):
        body["user_data"] = rebuilt.user_data
    if password:
        body["adminPass"] = password
    return Reply({"server": body}, 202)


def _resize(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
    row = server_for(req, "os_compute_api:servers:resize")
    req.svc.lifecycle.resize(req.ctx, row, str(args["flavorRef"]),
                             args.get("OS-DCF:diskConfig"))
    return ACCEPTED


def _confirm(req: ApiRequest[ComputeState], _args: Any) -> Reply:
    row = server_for(req, "os_compute_api:servers:confirm_resize")
    req.svc.lifecycle.confirm_resize(req.ctx, row)
    return Reply(None, 204)


def _revert(req: ApiRequest[ComputeState], _args: Any) -> Reply:
    row = server_for(req, "os_compute_api:servers:revert_resize")
    req.svc.lifecycle.revert_resize(req.ctx, row)
    return ACCEPTED


def _migrate(req: ApiRequest[ComputeState], args: dict[str, Any] | None) -> Reply:
    row = server_for(req, "os_compute_api:os-migrate-server:migrate")
    host = (args or {}).get("host")
    if host is not None:
        if not req.at_least("2.56"):
            raise BadRequest("Additional properties are not allowed ('host' was unexpected)")
        req.enforce("os_compute_api:os-migrate-server:migrate:host")
    req.svc.lifecycle.migrate(req.ctx, row, host)
    return ACCEPTED


def _live_migrate(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
    row = server_for(req, "os_compute_api:os-migrate-server:migrate_live")
    if args.get("block_migration") == "auto" and not req.at_least("2.25"):
        raise BadRequest("Invalid input for field/attribute block_migration.")
    req.svc.lifecycle.live_migrate(req.ctx, row, args.get("host"))
    return ACCEPTED


def _rescue(req: ApiRequest[ComputeState], args: dict[str, Any] | None) -> Reply:
    row = server_for(req, "os_compute_api:os-rescue")
    args = args or {}
    password = req.svc.lifecycle.rescue(req.ctx, row, args.get("rescue_image_ref"),
                                        args.get("adminPass"),
                                        volume_backed_ok=req.at_least("2.87"))
    return Reply({"adminPass": password}, 200)


def _unrescue(req: ApiRequest[ComputeState], _args: Any) -> Reply:
    row = server_for(req, "os_compute_api:os-unrescue")
    req.svc.servers.action(req.ctx, row, "unrescue")
    return ACCEPTED


def _shelve(req: ApiRequest[ComputeState], _args: Any) -> Reply:
    row = server_for(req, "os_compute_api:os-shelve:shelve")
    req.svc.lifecycle.shelve(req.ctx, row)
    return ACCEPTED


def _shelve_offload(req: ApiRequest[ComputeState], _args: Any) -> Reply:
    row = server_for(req, "os_compute_api:os-shelve:shelve_offload")
    req.svc.lifecycle.shelve_offload(req.ctx, row)
    return ACCEPTED


def _unshelve(req: ApiRequest[ComputeState], args: dict[str, Any] | None) -> Reply:
    row = server_for(req, "os_compute_api:os-shelve:unshelve")
    args = args or {}
    if "availability_zone" in args and not req.at_least("2.77"):
        raise BadRequest("Invalid input: unshelve takes no arguments before 2.77.")
    if "host" in args:
        if not req.at_least("2.91"):
            raise BadRequest("Invalid input: 'host' was unexpected before 2.91.")
        req.enforce("os_compute_api:os-shelve:unshelve_to_host")
    req.svc.lifecycle.unshelve(req.ctx, row, args.get("availability_zone"), args.get("host"))
    return ACCEPTED


def _change_password(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
    row = server_for(req, "os_compute_api:os-admin-password")
    req.svc.servers.action(req.ctx, row, "changePassword",
                           args={"password": args["adminPass"]})
    return ACCEPTED


def _crash_dump(req: ApiRequest[ComputeState], _args: Any) -> Reply:
    if not req.at_least("2.17"):
        raise BadRequest("There is no such action: trigger_crash_dump")
    row = server_for(req, "os_compute_api:servers:trigger_crash_dump")
    req.svc.lifecycle.crash_dump(req.ctx, row)
    return ACCEPTED


def _reset_state(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
    row = server_for(req, "os_compute_api:os-admin-actions:reset_state")
    req.svc.lifecycle.reset_state(req.ctx, row, args["state"])
    return ACCEPTED


def _inject_network_info(req: ApiRequest[ComputeState], _args: Any) -> Reply:
    # Guests here learn their addresses from DHCP and the metadata service; nothing to push.
    server_for(req, "os_compute_api:os-admin-actions:inject_network_info")
    return ACCEPTED


def _console_output(req: ApiRequest[ComputeState], args: dict[str, Any] | None) -> Reply:
    row = server_for(req, "os_compute_api:os-console-output")
    length = (args or {}).get("length")
    if length is not None:
        length = int(length)
        if length < -1:
            raise BadRequest("Invalid input for field/attribute length.")
        length = None if length == -1 else length
    return Reply({"output": req.svc.lifecycle.console_output(req.ctx, row, length)}, 200)


# The legacy console actions: the console type each asks for, and its protocol.
LEGACY_CONSOLES = {"os-getVNCConsole": "vnc", "os-getSPICEConsole": "spice",
                   "os-getSerialConsole": "serial", "os-getRDPConsole": "rdp"}


def _legacy_console(name: str) -> Handler:
    def handler(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
        row = server_for(req, "os_compute_api:os-remote-consoles")
        console = req.svc.consoles.create(req.ctx, row, LEGACY_CONSOLES[name], args["type"],
                                          req.service_url)
        return Reply({"console": {"type": console["type"], "url": console["url"]}}, 200)

    return handler


def _security_group(add: bool) -> Handler:
    def handler(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
        rule = "add" if add else "remove"
        row = server_for(req, f"os_compute_api:os-security-groups:{rule}")
        name = args["name"]
        if not name.strip():
            raise BadRequest("Security group name cannot be empty")
        current = {str(g.get("name")) for g in row.security_groups or []}
        if add and name in current:
            # As Nova: adding a group the ports already have changes nothing, and is no fault.
            return ACCEPTED
        if not add and name not in current:
            raise NotFound(f"Security group {name} not associated with the instance "
                           f"{row.uuid}", resource="security_group", id=name)
        req.svc.servers.change_security_group(req.ctx, row, name, add)
        return ACCEPTED

    return handler


def _create_backup(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
    row = server_for(req, "os_compute_api:os-create-backup")
    image_id = req.svc.snapshots.backup(req.ctx, row, args["name"], args["backup_type"],
                                        int(args["rotation"]), dict(args.get("metadata") or {}))
    if image_id is None:     # a rotation of 0 keeps no backup
        return ACCEPTED
    if req.at_least("2.45"):
        return Reply({"image_id": image_id}, 202)
    return Reply(None, 202, {"Location": f"{req.service_url}/v2.1/images/{image_id}"})


def _restore(req: ApiRequest[ComputeState], _args: Any) -> Reply:
    row = server_for(req, "os_compute_api:os-deferred-delete:restore")
    req.svc.lifecycle.restore(req.ctx, row)
    return ACCEPTED


def _force_delete(req: ApiRequest[ComputeState], _args: Any) -> Reply:
    row = server_for(req, "os_compute_api:os-deferred-delete:force")
    req.svc.lifecycle.force_delete(req.ctx, row)
    return ACCEPTED


def _evacuate(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
    """Nova answers 200: an adminPass before 2.14, nothing after."""
    row = server_for(req, "os_compute_api:os-evacuate")
    if "onSharedStorage" in args and req.at_least("2.14"):
        raise BadRequest("Additional properties are not allowed ('onSharedStorage' was "
                         "unexpected)")
    if "onSharedStorage" not in args and not req.at_least("2.14"):
        raise BadRequest("'onSharedStorage' is a required property")
    if "force" in args and not (req.at_least("2.29") and not req.at_least("2.68")):
        raise BadRequest("Additional properties are not allowed ('force' was unexpected)")
    host = args.get("host")
    if as_bool(args.get("force", False)) and not host:
        raise BadRequest("Can't force to a non-provided destination")
    password = args.get("adminPass")
    if not req.at_least("2.14") and as_bool(args["onSharedStorage"]):
        if password is not None:
            raise BadRequest("admin password can't be changed on existing disk")
    else:
        password = password or new_password()
    req.svc.lifecycle.evacuate(req.ctx, row, host, to_stopped=req.at_least("2.95"))
    if req.at_least("2.14"):
        return Reply(None, 200)
    return Reply({"adminPass": password}, 200)


def _floating_ip(add: bool) -> Handler:
    def handler(req: ApiRequest[ComputeState], args: dict[str, Any]) -> Reply:
        if req.at_least("2.44"):
            raise NotFound("The resource could not be found.")
        rule = "add" if add else "remove"
        row = server_for(req, f"os_compute_api:os-floating-ips:{rule}")
        try:
            req.svc.servers.change_floating_ip(req.ctx, row, args["address"],
                                               args.get("fixed_address"), add)
        except Conflict as exc:
            if not add or (row.locked and not req.ctx.is_admin):
                raise
            # The network service's 409 (the port already has a floating IP from that
            # network, say): Nova answers any failure to associate with a 400.
            raise BadRequest(f"Unable to associate floating IP {args['address']} to instance "
                             f"{row.uuid}. Error: {exc.message}") from None
        return ACCEPTED

    return handler


HANDLERS: dict[str, Handler] = {
    "rebuild": _rebuild, "resize": _resize, "confirmResize": _confirm,
    "revertResize": _revert, "migrate": _migrate, "os-migrateLive": _live_migrate,
    "rescue": _rescue, "unrescue": _unrescue, "shelve": _shelve,
    "shelveOffload": _shelve_offload, "unshelve": _unshelve,
    "changePassword": _change_password, "trigger_crash_dump": _crash_dump,
    "os-resetState": _reset_state, "injectNetworkInfo": _inject_network_info,
    "os-getConsoleOutput": _console_output,
    **{name: _legacy_console(name) for name in LEGACY_CONSOLES},
    "addSecurityGroup": _security_group(True), "removeSecurityGroup": _security_group(False),
    "createBackup": _create_backup, "restore": _restore, "forceDelete": _force_delete,
    "evacuate": _evacuate,
    "addFloatingIp": _floating_ip(True), "removeFloatingIp": _floating_ip(False),
}
