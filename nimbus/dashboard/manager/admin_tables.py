"""The Admin and Identity dashboards' list panels, declared as the project's are. Each reads
an API an administrator may call; anyone else gets that API's own 403 as the page."""

from __future__ import annotations

from typing import Any

from nimbus.dashboard.manager.tables import Column, Table, field, size_gib, yes_no


def usage(used: str, total: str, unit: str = "") -> Any:
    """A "used of total" cell (with the share, as Horizon's usage bars say it)."""
    def cell(row: dict[str, Any]) -> str:
        have, cap = int(row.get(used) or 0), int(row.get(total) or 0)
        share = f" ({100 * have // cap}%)" if cap else ""
        return f"{have}{unit} of {cap}{unit}{share}"
    return cell


def names(key: str) -> Any:
    return lambda row: ", ".join(str(x) for x in row.get(key) or []) or "-"


def assignment(row: dict[str, Any]) -> str:
    who = row.get("user") or row.get("group") or {}
    return str(who.get("name") or who.get("id", ""))


def scope_of(row: dict[str, Any]) -> str:
    scope = row.get("scope") or {}
    for kind in ("project", "domain", "system"):
        if kind in scope:
            target = scope[kind]
            return f"{kind}: {target.get('name') or target.get('id') or 'all'}" \
                if isinstance(target, dict) else f"{kind}: all"
    return "-"


ADMIN_TABLES: dict[str, Table] = {t.slug: t for t in (
    Table("hypervisors", "Hypervisors", "Compute", "compute", "/os-hypervisors/detail",
          "hypervisors", (
              Column("Host", field("hypervisor_hostname")), Column("Type", field(
                  "hypervisor_type")),
              Column("VCPUs", usage("vcpus_used", "vcpus")),
              Column("RAM", usage("memory_mb_used", "memory_mb", " MiB")),
              Column("Local Storage", usage("local_gb_used", "local_gb", " GiB")),
              Column("Instances", field("running_vms", "0")), Column("State", field("state"))),
          marker_field=None, scope="admin"),
    Table("aggregates", "Host Aggregates", "Compute", "compute", "/os-aggregates",
          "aggregates", (
              Column("Name", field("name")), Column("Availability Zone",
                                                    field("availability_zone", "-")),
              Column("Hosts", names("hosts"))), marker_field=None, scope="admin"),
    Table("flavors", "Flavors", "Compute", "compute", "/flavors/detail?is_public=None",
          "flavors", (
              Column("Flavor Name", field("name")), Column("VCPUs", field("vcpus")),
              Column("RAM", lambda r: f"{r.get('ram', 0)} MiB"),
              Column("Root Disk", lambda r: f"{r.get('disk', 0)} GiB"),
              Column("Public", yes_no("os-flavor-access:is_public"))), scope="admin"),
    Table("instances", "Instances", "Compute", "compute",
          "/servers/detail?all_tenants=1", "servers", (
              Column("Project", field("tenant_id")), Column("Host", field(
                  "OS-EXT-SRV-ATTR:host", "-")),
              Column("Name", field("name")), Column("Status", field("status"))),
          scope="admin"),
    Table("volumes", "Volumes", "Volume", "volumev3", "/volumes/detail?all_tenants=1",
          "volumes", (
              Column("Project", field("os-vol-tenant-attr:tenant_id")),
              Column("Host", field("os-vol-host-attr:host", "-")), Column("Name", field("name")),
              Column("Size", size_gib), Column("Status", field("status"))), scope="admin"),
    Table("networks", "Networks", "Network", "network", "/v2.0/networks", "networks", (
        Column("Project", field("project_id")), Column("Network Name", field("name")),
        Column("Shared", yes_no("shared")), Column("External", yes_no("router:external")),
        Column("Status", field("status"))), scope="admin"),
    Table("routers", "Routers", "Network", "network", "/v2.0/routers", "routers", (
        Column("Project", field("project_id")), Column("Name", field("name")),
        Column("Status", field("status"))), scope="admin"),
    Table("compute_services", "Compute Services", "System", "compute", "/os-services",
          "services", (
              Column("Name", field("binary")), Column("Host", field("host")),
              Column("Zone", field("zone")), Column("Status", field("status")),
              Column("State", field("state"))), marker_field=None, scope="admin"),
    Table("volume_services", "Block Storage Services", "System", "volumev3", "/os-services",
          "services", (
              Column("Name", field("binary")), Column("Host", field("host")),
              Column("Zone", field("zone")), Column("Status", field("status")),
              Column("State", field("state"))), marker_field=None, scope="admin"),
    Table("network_agents", "Network Agents", "System", "network", "/v2.0/agents", "agents", (
        Column("Type", field("agent_type")), Column("Name", field("binary")),
        Column("Host", field("host")), Column("State", lambda r: "Up" if r.get("alive")
                                              else "Down")), marker_field=None, scope="admin"),
    Table("default_quotas", "Defaults", "System", "compute",
          "/os-quota-class-sets/default", "quota_class_set", (
              Column("Quota Name", field("name")), Column("Limit", field("limit"))),
          marker_field=None, scope="admin", id_field="name",
          items_of=lambda body: [{"name": k, "limit": v} for k, v in sorted(
              body["quota_class_set"].items()) if k != "id"]),
    Table("metadata_defs", "Metadata Definitions", "System", "image",
          "/v2/metadefs/namespaces", "namespaces", (
              Column("Name", lambda r: r.get("display_name") or r.get("namespace", "")),
              Column("Namespace", field("namespace")),
              Column("Public", lambda r: "Yes" if r.get("visibility") == "public" else "No"),
              Column("Protected", yes_no("protected"))),
          marker_field=None, scope="admin", id_field="namespace"),
    Table("projects", "Projects", "Identity", "identity", "/projects", "projects", (
        Column("Name", field("name")), Column("Description", field("description", "-")),
        Column("Project ID", field("id")), Column("Domain", field("domain_id")),
        Column("Enabled", yes_no("enabled"))), marker_field=None, scope="identity"),
    Table("users", "Users", "Identity", "identity", "/users", "users", (
        Column("User Name", field("name")), Column("Email", field("email", "-")),
        Column("User ID", field("id")), Column("Enabled", yes_no("enabled")),
        Column("Domain", field("domain_id"))), marker_field=None, scope="identity"),
    Table("groups", "Groups", "Identity", "identity", "/groups", "groups", (
        Column("Name", field("name")), Column("Description", field("description", "-")),
        Column("Group ID", field("id"))), marker_field=None, scope="identity"),
    Table("roles", "Roles", "Identity", "identity", "/roles", "roles", (
        Column("Role Name", field("name")), Column("Role ID", field("id"))),
        marker_field=None, scope="identity"),
    Table("role_assignments", "Role Assignments", "Identity", "identity",
          "/role_assignments?include_names=true", "role_assignments", (
              Column("User or Group", assignment),
              Column("Role", lambda r: (r.get("role") or {}).get("name", "")),
              Column("Scope", scope_of)), marker_field=None, scope="identity",
          id_field="-"),
)}
