"""The Admin and Identity dashboards' actions: projects, users, groups, roles and their
assignments and quotas; flavors, aggregates and default quotas."""

from __future__ import annotations

from typing import Any

from nimbus.clients.user_session import UserSession
from nimbus.dashboard.manager.actions import Action, Field, number, options


def _projects(user: UserSession) -> list[tuple[str, str]]:
    return options(user, "identity", "/projects", "projects")


def _roles(user: UserSession) -> list[tuple[str, str]]:
    return options(user, "identity", "/roles", "roles")


def _users(user: UserSession) -> list[tuple[str, str]]:
    return options(user, "identity", "/users", "users")


def _yes(value: str | None) -> bool:
    return value in ("on", "true", "1")


def create_project(user: UserSession, f: dict[str, str], _: str) -> None:
    user.request("identity", "POST", "/projects", {"project": {
        "name": f["name"], "description": f.get("description", ""),
        "enabled": not _yes(f.get("disabled"))}})


def set_project_enabled(user: UserSession, f: dict[str, str], project: str,
                        enabled: bool) -> None:
    user.request("identity", "PATCH", f"/projects/{project}", {"project": {"enabled": enabled}})


def delete_project(user: UserSession, f: dict[str, str], project: str) -> None:
    user.request("identity", "DELETE", f"/projects/{project}")


def create_user(user: UserSession, f: dict[str, str], _: str) -> None:
    body: dict[str, Any] = {"name": f["name"], "password": f["password"],
                            "enabled": not _yes(f.get("disabled"))}
    if f.get("email"):
        body["email"] = f["email"]
    if f.get("project"):
        body["default_project_id"] = f["project"]
    made = user.request("identity", "POST", "/users", {"user": body})["user"]
    if f.get("project") and f.get("role"):
        user.request("identity", "PUT",
                     f"/projects/{f['project']}/users/{made['id']}/roles/{f['role']}")


def change_password(user: UserSession, f: dict[str, str], target: str) -> None:
    user.request("identity", "PATCH", f"/users/{target}", {"user": {"password": f["password"]}})


def delete_user(user: UserSession, f: dict[str, str], target: str) -> None:
    user.request("identity", "DELETE", f"/users/{target}")


def create_group(user: UserSession, f: dict[str, str], _: str) -> None:
    user.request("identity", "POST", "/groups", {"group": {
        "name": f["name"], "description": f.get("description", "")}})


def add_member(user: UserSession, f: dict[str, str], group: str) -> None:
    user.request("identity", "PUT", f"/groups/{group}/users/{f['user']}")


def delete_group(user: UserSession, f: dict[str, str], group: str) -> None:
    user.request("identity", "DELETE", f"/groups/{group}")


def create_role(user: UserSession, f: dict[str, str], _: str) -> None:
    user.request("identity", "POST", "/roles", {"role": {"name": f["name"]}})


def delete_role(user: UserSession, f: dict[str, str], role: str) -> None:
    user.request("identity", "DELETE", f"/roles/{role}")


def grant(user: UserSession, f: dict[str, str], _: str) -> None:
    user.request("identity", "PUT",
                 f"/projects/{f['project']}/users/{f['user']}/roles/{f['role']}")


def revoke(user: UserSession, f: dict[str, str], _: str) -> None:
    user.request("identity", "DELETE",
                 f"/projects/{f['project']}/users/{f['user']}/roles/{f['role']}")


def create_flavor(user: UserSession, f: dict[str, str], _: str) -> None:
    user.request("compute", "POST", "/flavors", {"flavor": {
        "name": f["name"], "vcpus": number(f, "vcpus"), "ram": number(f, "ram"),
        "disk": number(f, "disk"), "os-flavor-access:is_public": not _yes(f.get("private"))}})


def delete_flavor(user: UserSession, f: dict[str, str], flavor: str) -> None:
    user.request("compute", "DELETE", f"/flavors/{flavor}")


def create_aggregate(user: UserSession, f: dict[str, str], _: str) -> None:
    body: dict[str, Any] = {"name": f["name"]}
    if f.get("availability_zone"):
        body["availability_zone"] = f["availability_zone"]
    user.request("compute", "POST", "/os-aggregates", {"aggregate": body})


def add_host(user: UserSession, f: dict[str, str], aggregate: str) -> None:
    user.request("compute", "POST", f"/os-aggregates/{aggregate}/action",
                 {"add_host": {"host": f["host"]}})


def delete_aggregate(user: UserSession, f: dict[str, str], aggregate: str) -> None:
    user.request("compute", "DELETE", f"/os-aggregates/{aggregate}")


def set_default(user: UserSession, f: dict[str, str], name: str) -> None:
    user.request("compute", "PUT", "/os-quota-class-sets/default",
                 {"quota_class_set": {name: number(f, "limit")}})


# The per-project quotas the Identity dashboard's "Modify Quotas" sets: (service, quota, title).
QUOTAS = (("compute", "instances", "Instances"), ("compute", "cores", "VCPUs"),
          ("compute", "ram", "RAM (MB)"), ("volumev3", "volumes", "Volumes"),
          ("volumev3", "gigabytes", "Volume Storage (GB)"),
          ("volumev3", "snapshots", "Volume Snapshots"), ("network", "network", "Networks"),
          ("network", "subnet", "Subnets"), ("network", "port", "Ports"),
          ("network", "router", "Routers"), ("network", "floatingip", "Floating IPs"),
          ("network", "security_group", "Security Groups"))


def set_quotas(user: UserSession, f: dict[str, str], project: str) -> None:
    """Each service's quotas for the project, as its own API sets them; a field left empty
    leaves that quota as it is, and -1 is unlimited."""
    wanted: dict[str, dict[str, int]] = {}
    for service, key, _ in QUOTAS:
        if f.get(key, "").strip():
            wanted.setdefault(service, {})[key] = number(f, key)
    for service, values in wanted.items():
        if service == "network":
            user.request("network", "PUT", f"/v2.0/quotas/{project}", {"quota": values})
        else:
            user.request(service, "PUT", f"/os-quota-sets/{project}", {"quota_set": values})


def _hosts(user: UserSession) -> list[tuple[str, str]]:
    return options(user, "compute", "/os-services", "services", value="host",
                   keep=lambda s: s.get("binary") == "nova-compute")


IDENTITY = "identity"
ADMIN = "admin"
# Who, where and what a role grant names.
ASSIGNMENT = (Field("user", "User", "select", True, _users),
              Field("project", "Project", "select", True, _projects),
              Field("role", "Role", "select", True, _roles))

ACTIONS = (
    Action("projects", "create", "Create Project", create_project, (
        Field("name", "Name", required=True), Field("description", "Description", "textarea"),
        Field("disabled", "Disabled", "checkbox")), scope=IDENTITY),
    Action("projects", "disable", "Disable Project",
           lambda u, f, t: set_project_enabled(u, f, t, False), row=True, direct=True,
           scope=IDENTITY),
    Action("projects", "enable", "Enable Project",
           lambda u, f, t: set_project_enabled(u, f, t, True), row=True, direct=True,
           scope=IDENTITY),
    Action("projects", "quotas", "Modify Quotas", set_quotas,
           tuple(Field(key, title, "number") for _, key, title in QUOTAS), row=True,
           scope=IDENTITY),
    Action("projects", "delete", "Delete Project", delete_project, row=True, direct=True,
           scope=IDENTITY),
    Action("users", "create", "Create User", create_user, (
        Field("name", "User Name", required=True), Field("email", "Email"),
        Field("password", "Password", required=True),
        Field("project", "Primary Project", "select",
              options=lambda u: [("", "None"), *_projects(u)]),
        Field("role", "Role", "select", options=lambda u: [("", "None"), *_roles(u)]),
        Field("disabled", "Disabled", "checkbox")), scope=IDENTITY),
    Action("users", "password", "Change Password", change_password, (
        Field("password", "Password", required=True),), row=True, scope=IDENTITY),
    Action("users", "delete", "Delete User", delete_user, row=True, direct=True,
           scope=IDENTITY),
    Action("groups", "create", "Create Group", create_group, (
        Field("name", "Name", required=True), Field("description", "Description")),
        scope=IDENTITY),
    Action("groups", "add_member", "Add User", add_member, (
        Field("user", "User", "select", True, _users),), row=True, scope=IDENTITY),
    Action("groups", "delete", "Delete Group", delete_group, row=True, direct=True,
           scope=IDENTITY),
    Action("roles", "create", "Create Role", create_role, (
        Field("name", "Role Name", required=True),), scope=IDENTITY),
    Action("roles", "delete", "Delete Role", delete_role, row=True, direct=True,
           scope=IDENTITY),
    Action("role_assignments", "grant", "Grant a Role", grant, ASSIGNMENT, scope=IDENTITY),
    Action("role_assignments", "revoke", "Revoke a Role", revoke, ASSIGNMENT, scope=IDENTITY),
    Action("flavors", "create", "Create Flavor", create_flavor, (
        Field("name", "Name", required=True),
        Field("vcpus", "VCPUs", "number", True, default="1"),
        Field("ram", "RAM (MB)", "number", True, default="512"),
        Field("disk", "Root Disk (GB)", "number", True, default="1"),
        Field("private", "Private (not public)", "checkbox")), scope=ADMIN),
    Action("flavors", "delete", "Delete Flavor", delete_flavor, row=True, direct=True,
           scope=ADMIN),
    Action("aggregates", "create", "Create Host Aggregate", create_aggregate, (
        Field("name", "Name", required=True), Field("availability_zone", "Availability Zone")),
        scope=ADMIN),
    Action("aggregates", "add_host", "Add Host", add_host, (
        Field("host", "Host", "select", True, _hosts),), row=True, scope=ADMIN),
    Action("aggregates", "delete", "Delete Host Aggregate", delete_aggregate, row=True,
           direct=True, scope=ADMIN),
    Action("default_quotas", "update", "Update Default", set_default, (
        Field("limit", "Limit", "number", True),), row=True, scope=ADMIN),
)
