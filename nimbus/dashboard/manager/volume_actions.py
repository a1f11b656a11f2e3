"""The Volumes panels' actions: each one API call (or two) as the user."""

from __future__ import annotations

from nimbus.clients.user_session import UserSession
from nimbus.dashboard.manager.actions import Action, Field, number, options


def _types(user: UserSession) -> list[tuple[str, str]]:
    return [("", "Default")] + options(user, "volumev3", "/types", "volume_types", value="name")


def _zones(user: UserSession) -> list[tuple[str, str]]:
    found = user.get("volumev3", "/os-availability-zone") or {}
    return [("", "Any Availability Zone")] + [
        (z["zoneName"], z["zoneName"]) for z in found.get("availabilityZoneInfo", [])]


def _servers(user: UserSession) -> list[tuple[str, str]]:
    return options(user, "compute", "/servers", "servers")


def _attached_servers(user: UserSession) -> list[tuple[str, str]]:
    return _servers(user)


def create(user: UserSession, f: dict[str, str], _: str) -> None:
    body = {"name": f.get("name") or None, "size": number(f, "size"),
            "description": f.get("description") or None,
            "volume_type": f.get("volume_type") or None,
            "availability_zone": f.get("availability_zone") or None}
    user.request("volumev3", "POST", "/volumes",
                 {"volume": {k: v for k, v in body.items() if v is not None}})


def extend(user: UserSession, f: dict[str, str], volume: str) -> None:
    user.request("volumev3", "POST", f"/volumes/{volume}/action",
                 {"os-extend": {"new_size": number(f, "new_size")}})


def attach(user: UserSession, f: dict[str, str], volume: str) -> None:
    user.request("compute", "POST", f"/servers/{f['server']}/os-volume_attachments",
                 {"volumeAttachment": {"volumeId": volume}})


def detach(user: UserSession, f: dict[str, str], volume: str) -> None:
    user.request("compute", "DELETE", f"/servers/{f['server']}/os-volume_attachments/{volume}")


def snapshot(user: UserSession, f: dict[str, str], volume: str) -> None:
    user.request("volumev3", "POST", "/snapshots", {"snapshot": {
        "volume_id": volume, "name": f.get("name") or None, "force": True}})


def backup(user: UserSession, f: dict[str, str], volume: str) -> None:
    user.request("volumev3", "POST", "/backups", {"backup": {
        "volume_id": volume, "name": f.get("name") or None, "incremental": False}})


def transfer(user: UserSession, f: dict[str, str], volume: str) -> dict[str, str]:
    made = user.request("volumev3", "POST", "/os-volume-transfer", {"transfer": {
        "volume_id": volume, "name": f.get("name") or None}})["transfer"]
    return {"Transfer ID": made["id"], "Authorization Key": made["auth_key"]}


def accept(user: UserSession, f: dict[str, str], _: str) -> None:
    user.request("volumev3", "POST", f"/os-volume-transfer/{f['transfer_id'].strip()}/accept",
                 {"accept": {"auth_key": f["auth_key"].strip()}})


def delete(user: UserSession, f: dict[str, str], volume: str) -> None:
    user.request("volumev3", "DELETE", f"/volumes/{volume}")


def delete_snapshot(user: UserSession, f: dict[str, str], snap: str) -> None:
    user.request("volumev3", "DELETE", f"/snapshots/{snap}")


def delete_backup(user: UserSession, f: dict[str, str], backup_id: str) -> None:
    user.request("volumev3", "DELETE", f"/backups/{backup_id}")


ACTIONS = (
    Action("volumes", "create", "Create Volume", create, (
        Field("name", "Volume Name"), Field("description", "Description", "textarea"),
        Field("size", "Size (GiB)", "number", True, default="1"),
        Field("volume_type", "Type", "select", options=_types),
        Field("availability_zone", "Availability Zone", "select", options=_zones))),
    Action("volumes", "accept_transfer", "Accept Transfer", accept, (
        Field("transfer_id", "Transfer ID", required=True),
        Field("auth_key", "Authorization Key", required=True))),
    Action("volumes", "extend", "Extend Volume", extend, (
        Field("new_size", "New Size (GiB)", "number", True),), row=True),
    Action("volumes", "attach", "Attach to Instance", attach, (
        Field("server", "Attach to Instance", "select", True, _servers),), row=True),
    Action("volumes", "detach", "Detach from Instance", detach, (
        Field("server", "Detach from Instance", "select", True, _attached_servers),), row=True),
    Action("volumes", "snapshot", "Create Snapshot", snapshot, (
        Field("name", "Snapshot Name"),), row=True),
    Action("volumes", "backup", "Create Backup", backup, (
        Field("name", "Backup Name"),), row=True),
    Action("volumes", "transfer", "Create Transfer", transfer, (
        Field("name", "Transfer Name"),), row=True),
    Action("volumes", "delete", "Delete Volume", delete, row=True, direct=True),
    Action("snapshots", "delete", "Delete Volume Snapshot", delete_snapshot, row=True,
           direct=True),
    Action("backups", "delete", "Delete Volume Backup", delete_backup, row=True, direct=True),
)
