"""Instance and image actions that need a form (the row's own actions need none): resize,
rebuild, snapshot, rescue, interfaces, rename; image edit, share and delete."""

from __future__ import annotations

from typing import Any

from nimbus.clients.user_session import UserSession
from nimbus.dashboard.manager.actions import Action, Field, number, options

MICROVERSION = {"OpenStack-API-Version": "compute 2.67"}


def _flavors(user: UserSession) -> list[tuple[str, str]]:
    return options(user, "compute", "/flavors/detail", "flavors",
                   label=lambda f: f"{f['name']} ({f.get('vcpus')} VCPU, {f.get('ram')} MiB)")


def _images(user: UserSession) -> list[tuple[str, str]]:
    return options(user, "image", "/v2/images?status=active", "images")


def _networks(user: UserSession) -> list[tuple[str, str]]:
    return options(user, "network", "/v2.0/networks", "networks",
                   keep=lambda n: not n.get("router:external"))


def _action(user: UserSession, server: str, body: dict[str, Any]) -> Any:
    return user.request("compute", "POST", f"/servers/{server}/action", body,
                        headers=MICROVERSION)


def rename(user: UserSession, f: dict[str, str], server: str) -> None:
    user.request("compute", "PUT", f"/servers/{server}", {"server": {"name": f["name"]}})


def snapshot(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"createImage": {"name": f["name"]}})


def resize(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"resize": {"flavorRef": f["flavor"]}})


def confirm(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"confirmResize": None})


def revert(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"revertResize": None})


def rebuild(user: UserSession, f: dict[str, str], server: str) -> None:
    body: dict[str, Any] = {"imageRef": f["image"]}
    if f.get("name"):
        body["name"] = f["name"]
    _action(user, server, {"rebuild": body})


def rescue(user: UserSession, f: dict[str, str], server: str) -> dict[str, str]:
    found = _action(user, server, {"rescue": {}}) or {}
    return {"Administrator Password": str(found.get("adminPass", ""))}


def unrescue(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"unrescue": None})


def attach_interface(user: UserSession, f: dict[str, str], server: str) -> None:
    user.request("compute", "POST", f"/servers/{server}/os-interface",
                 {"interfaceAttachment": {"net_id": f["network"]}})


def detach_interface(user: UserSession, f: dict[str, str], server: str) -> None:
    user.request("compute", "DELETE", f"/servers/{server}/os-interface/{f['port'].strip()}")


def password(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"changePassword": {"adminPass": f["password"]}})


def backup(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"createBackup": {"name": f["name"], "backup_type": f.get(
        "backup_type") or "daily", "rotation": number(f, "rotation")}})


def metadata(user: UserSession, f: dict[str, str], server: str) -> None:
    user.request("compute", "PUT", f"/servers/{server}/metadata/{f['key'].strip()}",
                 {"meta": {f["key"].strip(): f.get("value", "")}})


def crash_dump(user: UserSession, f: dict[str, str], server: str) -> None:
    user.request("compute", "POST", f"/servers/{server}/action", {"trigger_crash_dump": None},
                 headers={"OpenStack-API-Version": "compute 2.17"})


def shelve_offload(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"shelveOffload": None})


def migrate(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"migrate": {"host": f["host"]} if f.get("host") else None})


def live_migrate(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"os-migrateLive": {"host": f.get("host") or None,
                                              "block_migration": "auto"}})


def evacuate(user: UserSession, f: dict[str, str], server: str) -> None:
    body: dict[str, Any] = {"host": f["host"]} if f.get("host") else {}
    _action(user, server, {"evacuate": body})


def reset_state(user: UserSession, f: dict[str, str], server: str) -> None:
    _action(user, server, {"os-resetState": {"state": f.get("state") or "active"}})


def _hosts(user: UserSession) -> list[tuple[str, str]]:
    return [("", "Automatically schedule new host.")] + options(
        user, "compute", "/os-services", "services", value="host",
        keep=lambda s: s.get("binary") == "nova-compute")


def edit_image(user: UserSession, f: dict[str, str], image: str) -> None:
    patch = [{"op": "replace", "path": "/name", "value": f["name"]},
             {"op": "replace", "path": "/visibility", "value": f.get("visibility") or "private"},
             {"op": "replace", "path": "/min_disk", "value": number(f, "min_disk")},
             {"op": "replace", "path": "/min_ram", "value": number(f, "min_ram")},
             {"op": "replace", "path": "/protected",
              "value": f.get("protected") in ("on", "true")}]
    user.request("image", "PATCH", f"/v2/images/{image}", patch,
                 headers={"Content-Type": "application/openstack-images-v2.1-json-patch"})


def share_image(user: UserSession, f: dict[str, str], image: str) -> None:
    user.request("image", "POST", f"/v2/images/{image}/members",
                 {"member": f["project"].strip()})


def delete_image(user: UserSession, f: dict[str, str], image: str) -> None:
    user.request("image", "DELETE", f"/v2/images/{image}")


VISIBILITY = [(v, v) for v in ("private", "shared", "community", "public")]

ACTIONS = (
    Action("instances", "rename", "Edit Instance", rename, (
        Field("name", "Name", required=True),), row=True),
    Action("instances", "snapshot", "Create Snapshot", snapshot, (
        Field("name", "Snapshot Name", required=True),), row=True),
    Action("instances", "resize", "Resize Instance", resize, (
        Field("flavor", "New Flavor", "select", True, _flavors),), row=True),
    Action("instances", "confirm_resize", "Confirm Resize/Migration", confirm, row=True,
           direct=True),
    Action("instances", "revert_resize", "Revert Resize/Migration", revert, row=True,
           direct=True),
    Action("instances", "rebuild", "Rebuild Instance", rebuild, (
        Field("image", "Select Image", "select", True, _images),
        Field("name", "Instance Name")), row=True),
    Action("instances", "rescue", "Rescue Instance", rescue, row=True),
    Action("instances", "unrescue", "Unrescue Instance", unrescue, row=True, direct=True),
    Action("instances", "attach_interface", "Attach Interface", attach_interface, (
        Field("network", "Network", "select", True, _networks),), row=True),
    Action("instances", "detach_interface", "Detach Interface", detach_interface, (
        Field("port", "Port ID", required=True),), row=True),
    Action("instances", "password", "Change Password", password, (
        Field("password", "Password", required=True),), row=True),
    Action("instances", "backup", "Create Backup", backup, (
        Field("name", "Backup Name", required=True),
        Field("backup_type", "Backup Type", default="daily"),
        Field("rotation", "Rotation", "number", True, default="1")), row=True),
    Action("instances", "metadata", "Update Metadata", metadata, (
        Field("key", "Key", required=True), Field("value", "Value")), row=True),
    Action("instances", "crash_dump", "Trigger Crash Dump", crash_dump, row=True,
           direct=True),
    Action("instances", "shelve_offload", "Shelve Offload", shelve_offload, row=True,
           direct=True),
    # Administrators' (compute's policy refuses anyone else).
    Action("instances", "migrate", "Cold Migrate", migrate, (
        Field("host", "New Host", "select", options=_hosts),), row=True),
    Action("instances", "live_migrate", "Live Migrate Instance", live_migrate, (
        Field("host", "New Host", "select", options=_hosts),), row=True),
    Action("instances", "evacuate", "Evacuate Host", evacuate, (
        Field("host", "Target Host", "select", options=_hosts),), row=True),
    Action("instances", "reset_state", "Reset State", reset_state, (
        Field("state", "State", "select", options=lambda u: [("active", "active"),
                                                              ("error", "error")]),),
        row=True),
    Action("images", "edit", "Edit Image", edit_image, (
        Field("name", "Image Name", required=True),
        Field("visibility", "Visibility", "select", options=lambda u: VISIBILITY),
        Field("min_disk", "Minimum Disk (GB)", "number", default="0"),
        Field("min_ram", "Minimum RAM (MB)", "number", default="0"),
        Field("protected", "Protected", "checkbox")), row=True),
    Action("images", "share", "Share with a Project", share_image, (
        Field("project", "Project ID", required=True),), row=True),
    Action("images", "delete", "Delete Image", delete_image, row=True, direct=True),
)
