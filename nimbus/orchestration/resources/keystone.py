"""Identity resources: ``OS::Keystone::Project``, ``User`` and ``Role``, and finding a
domain, project, role, group or user by name or id as Heat does (``name{domain}`` names one
in a domain)."""

from __future__ import annotations

import contextlib
import re
from typing import Any, ClassVar

from nimbus.core import errors
from nimbus.orchestration.resources.base import Resource
from nimbus.orchestration.resources.schema import BOOLEAN, LIST, MAP, STRING, Attr, Prop, Support
from nimbus.orchestration.resources.service_common import (
    ItemResource,
    conflict,
    failure,
    fetch,
    item,
    query,
    remove,
)

_V3 = Support(version="2015.1", message="Supported versions: keystone v3")
# What a template may name, the collection it is in and the word Heat's errors use.
_KINDS = {"domain": ("/domains", "KeystoneDomain"), "project": ("/projects", "KeystoneProject"),
          "role": ("/roles", "KeystoneRole"), "group": ("/groups", "KeystoneGroup"),
          "user": ("/users", "KeystoneUser")}


def _split_domain(client: Any, value: str, entity: str) -> tuple[str, str | None]:
    """``name{domain}`` as the name and the domain's id."""
    match = re.search(r"\{(.*?)\}$", value)
    if not match:
        return value, None
    try:
        return value[:match.start()], find_id(client, "domain", match.group(1))
    except Exception:  # noqa: BLE001 - Heat words any failure here as the entity not found
        raise failure("EntityNotFound", f"The {entity} ({value}) could not be found.") from None


def find_id(client: Any, kind: str, value: str) -> str:
    """The id of the ``kind`` (domain, project, role, group, user) ``value`` names."""
    path, entity = _KINDS[kind]
    name, domain = (value, None) if kind == "domain" else _split_domain(client, value, entity)
    if name:
        found = fetch(client, item(path, name), kind)
        if found is not None:
            return str(found["id"])
        listed = (client.get(query(path, name=name, domain_id=domain)) or {}).get(
            f"{kind}s") or []
        for one in listed:
            if one.get("name") == name:
                return str(one["id"])
    raise failure("EntityNotFound", f"The {entity} ({name}) could not be found.")


class KeystoneResource(ItemResource):
    SERVICE = "identity"
    SUPPORT = _V3

    @property
    def ident(self) -> Any:
        return self.api

    def patch(self, body: dict[str, Any]) -> None:
        if body:
            self.ident.patch(self._path(), {self.KEY: body})

    def delete(self) -> None:
        if self.physical_id:
            remove(self.ident, self._path())

    def check(self) -> None:
        if self.physical_id:
            self.ident.get(self._path())


class KeystoneProject(KeystoneResource):
    TYPE = "OS::Keystone::Project"
    DESCRIPTION = ("Heat Template Resource for Keystone Project. Projects are the unit that "
                   "owns resources in OpenStack. A project belongs to a domain, so its name is "
                   "unique only within that domain; without a domain it goes to the default "
                   "one.")
    COLLECTION, KEY = "/projects", "project"
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "Name of keystone project.", update_allowed=True),
        "domain": Prop(STRING, "Name or id of keystone domain.", default="default",
                       update_allowed=True, custom="keystone.domain"),
        "description": Prop(STRING, "Description of keystone project.", default="",
                            update_allowed=True),
        "enabled": Prop(BOOLEAN, "Whether this project is enabled.", default=True,
                        update_allowed=True),
        "parent": Prop(STRING, "The name or ID of this project's parent in the hierarchy.",
                       custom="keystone.project"),
        "tags": Prop(LIST, "Tags to label and sort projects with.", default=[],
                     update_allowed=True),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "name": Attr("Project name.", STRING),
        "parent_id": Attr("Parent project id.", STRING),
        "domain_id": Attr("Domain id for project.", STRING),
        "enabled": Attr("Flag of enable project.", BOOLEAN),
        "is_domain": Attr("Whether the project also acts as a domain.", BOOLEAN),
    }

    def create(self) -> None:
        props = self.properties
        body: dict[str, Any] = {
            "name": self.name_or_default(),
            "domain_id": find_id(self.ident, "domain", str(props.get("domain") or "default")),
            "description": props.get("description") or "",
            "enabled": props.get("enabled", True) is not False,
            "tags": list(props.get("tags") or []),
        }
        if props.get("parent"):
            body["parent_id"] = find_id(self.ident, "project", props["parent"])
        made = self.ident.post(self.COLLECTION, {self.KEY: body})[self.KEY]
        self.physical_id = str(made["id"])

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        super().update(new, changed)
        body: dict[str, Any] = {}
        if "name" in changed:
            body["name"] = self.name_or_default(new)
        for key in ("description", "enabled"):
            if key in changed and new.get(key) is not None:
                body[key] = new[key]
        if "domain" in changed:
            body["domain_id"] = find_id(self.ident, "domain", str(new.get("domain") or "default"))
        if "tags" in changed:
            body["tags"] = list(new.get("tags") or [])
        self.patch(body)

    def delete(self) -> None:
        if not self.physical_id:
            return
        # The "default" security group Neutron made for the project would be left behind.
        net = self.client("network")
        try:
            found = net.get(query("/v2.0/security-groups", project_id=self.physical_id,
                                  name="default")) or {}
            for group in found.get("security_groups") or []:
                remove(net, item("/v2.0/security-groups", group["id"]))
        except (errors.NotFound, errors.Forbidden):
            pass
        super().delete()


class KeystoneRole(KeystoneResource):
    TYPE = "OS::Keystone::Role"
    DESCRIPTION = ("Heat Template Resource for Keystone Role. Roles set the authorization an "
                   "end user may obtain; they are granted on a domain or a project, to a user "
                   "or a group. A role name is unique within its domain.")
    COLLECTION, KEY = "/roles", "role"
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "Name of keystone role.", update_allowed=True),
        "domain": Prop(STRING, "Name or id of keystone domain.", custom="keystone.domain"),
    }

    def create(self) -> None:
        body: dict[str, Any] = {"name": self.name_or_default()}
        if self.properties.get("domain"):
            body["domain_id"] = find_id(self.ident, "domain", self.properties["domain"])
        made = self.ident.post(self.COLLECTION, {self.KEY: body})[self.KEY]
        self.physical_id = str(made["id"])

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        super().update(new, changed)
        if "name" in changed:
            self.patch({"name": self.name_or_default(new)})


_ROLES = Prop(LIST, "List of role assignments.", update_allowed=True, items=Prop(
    MAP, "Map between role with either project or domain.", schema={
        "role": Prop(STRING, "Keystone role.", required=True, custom="keystone.role"),
        "project": Prop(STRING, "Keystone project.", custom="keystone.project"),
        "domain": Prop(STRING, "Keystone domain.", custom="keystone.domain"),
    }))


def _assignment_key(one: dict[str, Any]) -> tuple[str, str, str] | None:
    if one.get("project") is not None:
        return str(one["role"]), "project", str(one["project"])
    if one.get("domain") is not None:
        return str(one["role"]), "domain", str(one["domain"])
    return None


class KeystoneUser(KeystoneResource):
    TYPE = "OS::Keystone::User"
    DESCRIPTION = ("Heat Template Resource for Keystone User. A user is one consumer of the "
                   "APIs; it belongs to a domain, so its name is unique only within that "
                   "domain.")
    COLLECTION, KEY = "/users", "user"
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "Name of keystone user.", update_allowed=True),
        "domain": Prop(STRING, "Name or ID of keystone domain.", default="default",
                       update_allowed=True, custom="keystone.domain"),
        "description": Prop(STRING, "Description of keystone user.", default="",
                            update_allowed=True),
        "enabled": Prop(BOOLEAN, "Whether the keystone user is enabled.", default=True,
                        update_allowed=True),
        "email": Prop(STRING, "Email address of keystone user.", update_allowed=True),
        "password": Prop(STRING, "Password of keystone user.", update_allowed=True),
        "default_project": Prop(STRING, "Name or ID of the keystone user's default project.",
                                update_allowed=True, custom="keystone.project"),
        "groups": Prop(LIST, "Keystone user groups.", update_allowed=True,
                       items=Prop(STRING, "Keystone user group.", custom="keystone.group")),
        "roles": _ROLES,
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "name": Attr("User name.", STRING),
        "default_project_id": Attr("Default project id for user.", STRING),
        "domain_id": Attr("Domain id for user.", STRING),
        "enabled": Attr("Flag of enable user.", BOOLEAN),
        "password_expires_at": Attr("When the user's password expires.", STRING),
    }

    @classmethod
    def validate_properties(cls, props: dict[str, Any], complete: bool = True) -> None:
        for one in props.get("roles") or []:
            if not isinstance(one, dict):
                continue
            if one.get("project") is not None and one.get("domain") is not None:
                raise conflict("project", "domain")
            if complete and one.get("project") is None and one.get("domain") is None:
                raise failure("StackValidationFailed", "Either project or domain must be "
                                                       f"specified for role {one.get('role')}")

    def _grant(self, assignments: list[dict[str, Any]], revoke: bool = False) -> None:
        for one in assignments:
            key = _assignment_key(one)
            if key is None:
                continue
            role, scope, target = key
            role_id = find_id(self.ident, "role", role)
            target_id = find_id(self.ident, scope, target)
            path = f"/{scope}s/{target_id}/users/{self.physical_id}/roles/{role_id}"
            if revoke:
                remove(self.ident, path)
            else:
                self.ident.put(path)

    def _groups(self, groups: list[str], leave: bool = False) -> None:
        for group in groups:
            group_id = find_id(self.ident, "group", group)
            path = f"/groups/{group_id}/users/{self.physical_id}"
            if leave:
                remove(self.ident, path)
            else:
                self.ident.put(path)

    def create(self) -> None:
        self.validate_properties(self.properties)
        props = self.properties
        body: dict[str, Any] = {
            "name": self.name_or_default(),
            "domain_id": find_id(self.ident, "domain", str(props.get("domain") or "default")),
            "description": props.get("description") or "",
            "enabled": props.get("enabled", True) is not False,
        }
        for key in ("email", "password"):
            if props.get(key) is not None:
                body[key] = props[key]
        if props.get("default_project"):
            body["default_project_id"] = find_id(self.ident, "project", props["default_project"])
        made = self.ident.post(self.COLLECTION, {self.KEY: body})[self.KEY]
        self.physical_id = str(made["id"])
        self._groups(list(props.get("groups") or []))
        self._grant(list(props.get("roles") or []))

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        self.validate_properties(new)
        old = self.properties
        body: dict[str, Any] = {}
        if "name" in changed:
            body["name"] = self.name_or_default(new)
        for key in ("description", "enabled", "email", "password"):
            if key in changed and new.get(key) is not None:
                body[key] = new[key]
        if "default_project" in changed and new.get("default_project"):
            body["default_project_id"] = find_id(self.ident, "project", new["default_project"])
        if "domain" in changed:
            body["domain_id"] = find_id(self.ident, "domain", str(new.get("domain") or "default"))
        self.patch(body)
        if "groups" in changed:
            before, after = set(old.get("groups") or []), set(new.get("groups") or [])
            self._groups(sorted(after - before))
            self._groups(sorted(before - after), leave=True)
        if "roles" in changed:
            before_roles = {_assignment_key(r): r for r in old.get("roles") or []}
            after_roles = {_assignment_key(r): r for r in new.get("roles") or []}
            self._grant([r for k, r in after_roles.items() if k not in before_roles])
            self._grant([r for k, r in before_roles.items() if k not in after_roles],
                        revoke=True)
        self.properties = new

    def delete(self) -> None:
        if not self.physical_id:
            return
        with contextlib.suppress(errors.NimbusError):
            self._groups(list(self.properties.get("groups") or []), leave=True)
        super().delete()


TYPES: tuple[type[Resource], ...] = (KeystoneProject, KeystoneUser, KeystoneRole)
