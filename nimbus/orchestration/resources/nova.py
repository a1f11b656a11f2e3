"""Compute resources other than servers: ``OS::Nova::KeyPair``, ``Flavor`` and
``ServerGroup``, and finding a flavor by name or id as Heat does. Servers are in
``nova_server``."""

from __future__ import annotations

from typing import Any, ClassVar

from nimbus.orchestration.resources.base import Resource, UpdateReplace
from nimbus.orchestration.resources.keystone import find_id as find_identity_id
from nimbus.orchestration.resources.schema import (
    BOOLEAN,
    INTEGER,
    LIST,
    MAP,
    NUMBER,
    STRING,
    Attr,
    Prop,
    Support,
)
from nimbus.orchestration.resources.service_common import (
    ServiceResource,
    failure,
    fetch,
    item,
    query,
    remove,
)

# Keypair ``type`` is taken from 2.2 and ``user_id`` from 2.10; up to 2.91 Nova still makes the
# key when no public key is given.
KEYPAIR_VERSION = "2.10"
# Server groups with one ``policy`` and its ``rules``.
SERVER_GROUP_VERSION = "2.64"


def find_flavor_id(client: Any, name_or_id: str) -> str:
    """The id of the flavor ``name_or_id`` names (an id first, then a name)."""
    found = fetch(client, item("/flavors", name_or_id), "flavor")
    if found is not None:
        return str(found["id"])
    listed = (client.get("/flavors/detail") or {}).get("flavors") or []
    matches = [f for f in listed if f.get("name") == name_or_id]
    if not matches:
        raise failure("NotFound", f"No Flavor matching {{'name': '{name_or_id}'}}. (HTTP 404)")
    if len(matches) > 1:
        raise failure("NoUniqueMatch",
                      f"Multiple Flavor matches found for {{'name': '{name_or_id}'}}, use an "
                      "ID to be more specific.")
    return str(matches[0]["id"])


class NovaResource(ServiceResource):
    @property
    def nova(self) -> Any:
        return self.client("compute")


class KeyPair(NovaResource):
    TYPE = "OS::Nova::KeyPair"
    DESCRIPTION = ("A resource for creating Nova key pairs: an ssh key injected into a server "
                   "when it boots. With save_private_key True, the private key of a generated "
                   "key pair is kept and given by the private_key attribute; when public_key is "
                   "given there is no private key, and private_key is always empty.")
    SUPPORT = Support(version="2014.1")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "The name of the key pair.", required=True, length=(1, 255)),
        "save_private_key": Prop(BOOLEAN, "True to have the system keep a generated private "
                                          "key, False not to.", default=False),
        "public_key": Prop(STRING, "The public key, to use the public key of an existing key "
                                   "pair. Up to Nova API version 2.91, a new key pair is made "
                                   "when it is not given; from 2.92 it is required."),
        "type": Prop(STRING, "Keypair type, taken since Nova API version 2.2.",
                     allowed=("ssh", "x509")),
        "user": Prop(STRING, "ID or name of the user the key pair is added to; for "
                             "administrators only, since Nova API version 2.10.",
                     custom="keystone.user"),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "public_key": Attr("The public key.", STRING),
        "private_key": Attr("The private key, if it was kept.", STRING),
    }

    def _path(self) -> str:
        path = item("/os-keypairs", str(self.physical_id))
        user = self.data.get("user_id")
        return query(path, user_id=user) if user else path

    def create(self) -> None:
        props = self.properties
        body: dict[str, Any] = {"name": props["name"]}
        if props.get("public_key"):
            body["public_key"] = props["public_key"]
        if props.get("type"):
            body["type"] = props["type"]
        if props.get("user"):
            self.data["user_id"] = find_identity_id(self.client("identity"), "user",
                                                    props["user"])
            body["user_id"] = self.data["user_id"]
        made = self.nova.post("/os-keypairs", {"keypair": body},
                              microversion=KEYPAIR_VERSION)["keypair"]
        if props.get("save_private_key") and made.get("private_key"):
            self.data["private_key"] = made["private_key"]
        if made.get("public_key"):
            self.data["public_key"] = made["public_key"]
        self.physical_id = str(made.get("name") or props["name"])

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        # Nothing changes in place. A replacement of the same name needs the name free first
        # (as Heat frees it): the old key goes now, and its own delete has nothing left to do.
        if self.physical_id and new.get("name") == self.physical_id:
            remove(self.nova, self._path(), microversion=KEYPAIR_VERSION)
            self.data["released"] = True
        raise UpdateReplace()

    def delete(self) -> None:
        if self.physical_id and not self.data.get("released"):
            remove(self.nova, self._path(), microversion=KEYPAIR_VERSION)

    def show(self) -> Any:
        if not self.physical_id or self.data.get("released"):
            return None
        return fetch(self.nova, self._path(), "keypair", microversion=KEYPAIR_VERSION)

    def attribute(self, name: str) -> Any:
        if name == "private_key":
            return str(self.data.get("private_key", "")) \
                if self.properties.get("save_private_key") else ""
        if name == "public_key":
            if self.properties.get("public_key"):
                return str(self.properties["public_key"])
            if self.data.get("public_key"):
                return str(self.data["public_key"])
            found = self.show()
            return str(found.get("public_key")) if found else None
        return super().attribute(name)

    def reference(self) -> Any:
        return self.physical_id

    def check(self) -> None:
        if self.physical_id:
            self.nova.get(self._path(), microversion=KEYPAIR_VERSION)


class NovaFlavor(NovaResource):
    TYPE = "OS::Nova::Flavor"
    DESCRIPTION = ("A resource for creating OpenStack virtual hardware templates. Nova's "
                   "default policy keeps it to administrators, though access can be delegated "
                   "to other users by changing the nova-api access controls.")
    SUPPORT = Support(version="2014.2")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "tenants": Prop(LIST, "List of tenants.", default=[], update_allowed=True,
                        items=Prop(STRING, custom="keystone.project")),
        "flavorid": Prop(STRING, "Unique ID of the flavor; a UUID is made and used when it is "
                                 "not given."),
        "name": Prop(STRING, "Name of the flavor."),
        "ram": Prop(INTEGER, "Memory of the flavor, in MB.", required=True),
        "vcpus": Prop(INTEGER, "Number of VCPUs of the flavor.", required=True),
        "disk": Prop(INTEGER, 'Size of the local disk in GB. "0" is special: the root disk '
                              "takes the size of the native image.", default=0),
        "swap": Prop(INTEGER, "Swap space in MB.", default=0),
        "ephemeral": Prop(INTEGER, "Size of a secondary ephemeral data disk in GB.", default=0),
        "rxtx_factor": Prop(NUMBER, "RX/TX factor.", default=1.0),
        "extra_specs": Prop(MAP, "Key/value pairs extending what the flavor offers.",
                            update_allowed=True),
        "is_public": Prop(BOOLEAN, "Scope of the flavor: public (the default, shared by every "
                                   "project) or private.", default=True),
    }
    ATTRIBUTES: ClassVar[dict[str, Attr]] = {
        "is_public": Attr("Whether the flavor is shared across all projects.", BOOLEAN),
        "extra_specs": Attr("Extra specs of the flavor, as key/value pairs.", MAP),
    }

    def _path(self) -> str:
        return item("/flavors", str(self.physical_id))

    def _specs(self, specs: dict[str, Any] | None) -> None:
        if specs:
            self.nova.post(f"{self._path()}/os-extra_specs",
                           {"extra_specs": {k: str(v) for k, v in specs.items()}})

    def _access(self, tenant: str, add: bool = True) -> None:
        action = "addTenantAccess" if add else "removeTenantAccess"
        self.nova.post(f"{self._path()}/action", {action: {"tenant": tenant}})

    def create(self) -> None:
        props = self.properties
        body: dict[str, Any] = {
            "name": self.name_or_default(), "ram": props["ram"], "vcpus": props["vcpus"],
            "disk": props.get("disk") or 0, "swap": props.get("swap") or 0,
            "OS-FLV-EXT-DATA:ephemeral": props.get("ephemeral") or 0,
            "rxtx_factor": props.get("rxtx_factor") or 1.0,
            "os-flavor-access:is_public": props.get("is_public") is not False}
        if props.get("flavorid") and props["flavorid"] != "auto":
            body["id"] = props["flavorid"]
        made = self.nova.post("/flavors", {"flavor": body})["flavor"]
        self.physical_id = str(made["id"])
        self._specs(props.get("extra_specs"))
        if props.get("is_public") is False:
            for tenant in self._tenant_ids(props.get("tenants")) or [self.rt.project_id]:
                self._access(tenant)

    def _tenant_ids(self, tenants: list[str] | None) -> list[str]:
        identity = self.client("identity") if tenants else None
        return [find_identity_id(identity, "project", t) for t in tenants or []]

    def update(self, new: dict[str, Any], changed: set[str]) -> None:
        super().update(new, changed)
        if "extra_specs" in changed:
            current = (self.nova.get(f"{self._path()}/os-extra_specs") or {}).get(
                "extra_specs") or {}
            for key in current:
                remove(self.nova, item(f"{self._path()}/os-extra_specs", key))
            self._specs(new.get("extra_specs"))
        if "tenants" in changed and new.get("is_public") is False:
            listed = (self.nova.get(f"{self._path()}/os-flavor-access") or {}).get(
                "flavor_access") or []
            old = {a["tenant_id"] for a in listed}
            wanted = set(self._tenant_ids(new.get("tenants")))
            for tenant in sorted(old - wanted):
                self._access(tenant, add=False)
            for tenant in sorted(wanted - old):
                self._access(tenant)

    def delete(self) -> None:
        if self.physical_id:
            remove(self.nova, self._path())

    def show(self) -> Any:
        return fetch(self.nova, self._path(), "flavor") if self.physical_id else None

    def attribute(self, name: str) -> Any:
        if not self.physical_id:
            return None
        if name == "is_public":
            found = self.show()
            return found.get("os-flavor-access:is_public") if found else None
        if name == "extra_specs":
            found = fetch(self.nova, f"{self._path()}/os-extra_specs")
            return (found or {}).get("extra_specs")
        return super().attribute(name)

    def check(self) -> None:
        if self.physical_id:
            self.nova.get(self._path())


class ServerGroup(NovaResource):
    TYPE = "OS::Nova::ServerGroup"
    DESCRIPTION = ("A resource for managing a Nova server group, which puts its instances on "
                   "the same hypervisor host, or on different ones.")
    SUPPORT = Support(version="2014.2")
    PROPERTIES: ClassVar[dict[str, Prop]] = {
        "name": Prop(STRING, "Server Group name."),
        "policies": Prop(LIST, "A list holding exactly one policy to apply; anti-affinity by "
                               "default.", default=["anti-affinity"],
                         items=Prop(STRING, allowed=("anti-affinity", "affinity",
                                                     "soft-anti-affinity", "soft-affinity"))),
        "rules": Prop(MAP, "Rules of the policy.", schema={
            "max_server_per_host": Prop(NUMBER, "The most servers of the group on one host "
                                                "(a rule of the anti-affinity policy).")}),
    }

    def _path(self) -> str:
        return item("/os-server-groups", str(self.physical_id))

    def create(self) -> None:
        policies = list(self.properties.get("policies") or ["anti-affinity"])
        body: dict[str, Any] = {"name": self.name_or_default(), "policy": policies[0]}
        rules = {k: int(v) for k, v in (self.properties.get("rules") or {}).items()
                 if v is not None}
        if rules:
            body["rules"] = rules
        made = self.nova.post("/os-server-groups", {"server_group": body},
                              microversion=SERVER_GROUP_VERSION)["server_group"]
        self.physical_id = str(made["id"])

    def delete(self) -> None:
        if self.physical_id:
            remove(self.nova, self._path())

    def show(self) -> Any:
        if not self.physical_id:
            return None
        return fetch(self.nova, self._path(), "server_group", microversion=SERVER_GROUP_VERSION)

    def check(self) -> None:
        if self.physical_id:
            self.nova.get(self._path())


TYPES: tuple[type[Resource], ...] = (KeyPair, NovaFlavor, ServerGroup)
