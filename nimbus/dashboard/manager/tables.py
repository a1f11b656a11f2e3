"""The project's list panels as data: which API each one reads (as the user), its columns, and
how it pages. One template shows them all, so a panel is a declaration here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from nimbus.clients.user_session import UserSession

PAGE_SIZE = 20
Getter = Callable[[dict[str, Any]], object]


@dataclass(frozen=True)
class Column:
    title: str
    get: Getter


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    group: str
    service: str
    path: str
    key: str
    columns: tuple[Column, ...]
    #: the field the API pages by (its ``marker``); None: the API answers the whole list
    marker_field: str | None = "id"
    headers: tuple[tuple[str, str], ...] = ()
    #: the field naming a row (its id for the browser)
    id_field: str = "id"
    #: a page that makes one: (its title, its path below the project's panels)
    create: tuple[str, str] | None = None
    #: where a row's first cell links, below the panel ("{id}" is the row's id)
    link: str = ""
    #: the dashboard the panel is in: project, admin or identity
    scope: str = "project"
    #: the rows out of an answer that is not a list under ``key``
    items_of: Callable[[Any], list[dict[str, Any]]] | None = None

    @property
    def url(self) -> str:
        """Its page, below the dashboard's root."""
        return f"{self.scope}/{self.slug}"


def field(name: str, default: str = "") -> Getter:
    return lambda row: row.get(name, default) if row.get(name) is not None else default


def yes_no(name: str) -> Getter:
    return lambda row: "Yes" if row.get(name) else "No"


def size_gib(row: dict[str, Any]) -> str:
    return f"{row.get('size', 0)} GiB"


def image_size(row: dict[str, Any]) -> str:
    size = row.get("size")
    if not size:
        return "-"
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def attached(row: dict[str, Any]) -> str:
    return ", ".join(f"{a.get('device', '')} on {a.get('server_id', '')}"
                     for a in row.get("attachments") or []) or "-"


def fixed_ip(row: dict[str, Any]) -> str:
    return str(row.get("fixed_ip_address") or "-")


def keypair(row: dict[str, Any]) -> dict[str, Any]:
    return dict(row.get("keypair", row))


TABLES: dict[str, Table] = {t.slug: t for t in (
    Table("images", "Images", "Compute", "image", "/v2/images", "images", (
        Column("Name", field("name")), Column("Status", field("status")),
        Column("Visibility", field("visibility")), Column("Protected", yes_no("protected")),
        Column("Disk Format", field("disk_format")), Column("Size", image_size)),
        create=("Create Image", "images/create/")),
    Table("key_pairs", "Key Pairs", "Compute", "compute", "/os-keypairs", "keypairs", (
        Column("Name", lambda r: keypair(r).get("name", "")),
        Column("Type", lambda r: keypair(r).get("type", "ssh")),
        Column("Fingerprint", lambda r: keypair(r).get("fingerprint", ""))),
        marker_field=None, headers=(("OpenStack-API-Version", "compute 2.2"),),
        id_field="name"),
    Table("server_groups", "Server Groups", "Compute", "compute", "/os-server-groups",
          "server_groups", (
              Column("Name", field("name")),
              Column("Policy", lambda r: r.get("policy") or ", ".join(r.get("policies", []))),
              Column("Members", lambda r: len(r.get("members", [])))),
          marker_field=None, headers=(("OpenStack-API-Version", "compute 2.64"),)),
    Table("volumes", "Volumes", "Volumes", "volumev3", "/volumes/detail", "volumes", (
        Column("Name", field("name")), Column("Description", field("description", "-")),
        Column("Size", size_gib), Column("Status", field("status")),
        Column("Type", field("volume_type")), Column("Attached To", attached),
        Column("Availability Zone", field("availability_zone")),
        Column("Bootable", lambda r: "Yes" if r.get("bootable") == "true" else "No"),
        Column("Encrypted", yes_no("encrypted")))),
    Table("snapshots", "Volume Snapshots", "Volumes", "volumev3", "/snapshots/detail",
          "snapshots", (
              Column("Name", field("name")), Column("Description", field("description", "-")),
              Column("Size", size_gib), Column("Status", field("status")),
              Column("Volume", field("volume_id")))),
    Table("backups", "Volume Backups", "Volumes", "volumev3", "/backups/detail", "backups", (
        Column("Name", field("name")), Column("Description", field("description", "-")),
        Column("Size", size_gib), Column("Status", field("status")),
        Column("Volume", field("volume_id")))),
    Table("networks", "Networks", "Network", "network", "/v2.0/networks", "networks", (
        Column("Name", field("name")),
        Column("Subnets Associated", lambda r: len(r.get("subnets", []))),
        Column("Shared", yes_no("shared")), Column("External", yes_no("router:external")),
        Column("Status", field("status")),
        Column("Admin State", lambda r: "UP" if r.get("admin_state_up") else "DOWN"))),
    Table("routers", "Routers", "Network", "network", "/v2.0/routers", "routers", (
        Column("Name", field("name")), Column("Status", field("status")),
        Column("External Network", lambda r: (r.get("external_gateway_info") or {}).get(
            "network_id", "-")),
        Column("Admin State", lambda r: "UP" if r.get("admin_state_up") else "DOWN"))),
    Table("ports", "Ports", "Network", "network", "/v2.0/ports", "ports", (
        Column("Name", lambda r: r.get("name") or r["id"][:8]),
        Column("Fixed IPs", lambda r: ", ".join(ip["ip_address"] for ip in r.get("fixed_ips",
                                                                                 []))),
        Column("MAC Address", field("mac_address")),
        Column("Attached Device", lambda r: r.get("device_owner") or "Detached"),
        Column("Status", field("status")),
        Column("Admin State", lambda r: "UP" if r.get("admin_state_up") else "DOWN"))),
    Table("security_groups", "Security Groups", "Network", "network",
          "/v2.0/security-groups", "security_groups", (
              Column("Name", field("name")), Column("Security Group ID", field("id")),
              Column("Description", field("description", "-")),
              Column("Rules", lambda r: len(r.get("security_group_rules", [])))),
          link="{id}/rules/"),
    Table("floating_ips", "Floating IPs", "Network", "network", "/v2.0/floatingips",
          "floatingips", (
              Column("IP Address", field("floating_ip_address")),
              Column("Mapped Fixed IP Address", fixed_ip),
              Column("Pool", field("floating_network_id")), Column("Status", field("status")))),
    Table("stacks", "Stacks", "Orchestration", "orchestration", "/stacks", "stacks", (
        Column("Stack Name", field("stack_name")), Column("Created", field("creation_time")),
        Column("Updated", field("updated_time", "Never")),
        Column("Status", field("stack_status"))),
        link="{id}/", create=("Launch Stack", "stacks/do/launch/")),
    Table("containers", "Containers", "Object Store", "object-store", "", "", (
        Column("Name", field("name")), Column("Objects", field("count", "0")),
        Column("Size", lambda r: image_size({"size": r.get("bytes", 0)}) if r.get("bytes")
               else "0 bytes")),
        marker_field="name", id_field="name", link="{id}/browse/"),
)}


def rows(user: UserSession, table: Table, marker: str = "") -> tuple[
        list[tuple[str, list[str]]], str]:
    """One page of the table: each row's id and cells, and the next page's marker."""
    query: dict[str, object] = {}
    if table.marker_field:
        query["limit"] = PAGE_SIZE + 1
        if marker:
            query["marker"] = marker
    if table.service == "object-store":
        query["format"] = "json"
    joiner = "&" if "?" in table.path else "?"
    path = table.path + (f"{joiner}{urlencode(query)}" if query else "")
    found = user.get(table.service, path, headers=dict(table.headers))
    items: list[dict[str, Any]] = table.items_of(found) if table.items_of else \
        found if isinstance(found, list) else (found or {}).get(table.key, [])
    following = ""
    if table.marker_field and len(items) > PAGE_SIZE:
        items = items[:PAGE_SIZE]
        following = str(items[-1].get(table.marker_field, ""))
    shown = []
    for item in items:
        ident = str(keypair(item).get(table.id_field, "")) if table.slug == "key_pairs" \
            else str(item.get(table.id_field, ""))
        shown.append((ident, [str(column.get(item)) for column in table.columns]))
    return shown, following
