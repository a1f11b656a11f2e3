"""Actions of the Compute and Object Store panels besides instances: key pairs, server
groups, containers."""

from __future__ import annotations

from urllib.parse import quote

from nimbus.clients.user_session import UserSession
from nimbus.dashboard.manager.actions import Action, Field

KEYPAIR_VERSION = {"OpenStack-API-Version": "compute 2.2"}
GROUP_VERSION = {"OpenStack-API-Version": "compute 2.64"}
POLICIES = [("anti-affinity", "anti-affinity"), ("affinity", "affinity"),
            ("soft-anti-affinity", "soft-anti-affinity"), ("soft-affinity", "soft-affinity")]


def create_keypair(user: UserSession, f: dict[str, str], _: str) -> dict[str, str]:
    made = user.request("compute", "POST", "/os-keypairs", {"keypair": {
        "name": f["name"].strip(), "type": f.get("type") or "ssh"}},
        headers=KEYPAIR_VERSION)["keypair"]
    return {"Key Pair": made["name"], "Private Key": made.get("private_key", "")}


def import_keypair(user: UserSession, f: dict[str, str], _: str) -> None:
    user.request("compute", "POST", "/os-keypairs", {"keypair": {
        "name": f["name"].strip(), "public_key": f["public_key"].strip(),
        "type": f.get("type") or "ssh"}}, headers=KEYPAIR_VERSION)


def delete_keypair(user: UserSession, f: dict[str, str], name: str) -> None:
    user.request("compute", "DELETE", f"/os-keypairs/{quote(name, safe='')}")


def create_group(user: UserSession, f: dict[str, str], _: str) -> None:
    user.request("compute", "POST", "/os-server-groups", {"server_group": {
        "name": f["name"].strip(), "policy": f.get("policy") or "anti-affinity"}},
        headers=GROUP_VERSION)


def delete_group(user: UserSession, f: dict[str, str], group: str) -> None:
    user.request("compute", "DELETE", f"/os-server-groups/{group}")


def create_container(user: UserSession, f: dict[str, str], _: str) -> None:
    headers = {"X-Container-Read": ".r:*,.rlistings"} if f.get("public") in ("on", "true") \
        else {}
    user.request("object-store", "PUT", f"/{quote(f['name'].strip(), safe='')}",
                 headers=headers)


def make_public(user: UserSession, f: dict[str, str], name: str) -> None:
    user.request("object-store", "POST", f"/{quote(name, safe='')}",
                 headers={"X-Container-Read": ".r:*,.rlistings"})


def make_private(user: UserSession, f: dict[str, str], name: str) -> None:
    user.request("object-store", "POST", f"/{quote(name, safe='')}",
                 headers={"X-Remove-Container-Read": "x"})


def delete_container(user: UserSession, f: dict[str, str], name: str) -> None:
    user.request("object-store", "DELETE", f"/{quote(name, safe='')}")


KEY_TYPES = [("ssh", "SSH Key"), ("x509", "X509 Certificate")]

ACTIONS = (
    Action("key_pairs", "create", "Create Key Pair", create_keypair, (
        Field("name", "Key Pair Name", required=True),
        Field("type", "Key Type", "select", options=lambda u: KEY_TYPES))),
    Action("key_pairs", "import", "Import Public Key", import_keypair, (
        Field("name", "Key Pair Name", required=True),
        Field("type", "Key Type", "select", options=lambda u: KEY_TYPES),
        Field("public_key", "Public Key", "textarea", True))),
    Action("key_pairs", "delete", "Delete Key Pair", delete_keypair, row=True, direct=True),
    Action("server_groups", "create", "Create Server Group", create_group, (
        Field("name", "Name", required=True),
        Field("policy", "Policy", "select", options=lambda u: POLICIES))),
    Action("server_groups", "delete", "Delete Server Group", delete_group, row=True,
           direct=True),
    Action("containers", "create", "Create Container", create_container, (
        Field("name", "Container Name", required=True),
        Field("public", "Public access", "checkbox"))),
    Action("containers", "make_public", "Make Public", make_public, row=True, direct=True),
    Action("containers", "make_private", "Make Private", make_private, row=True, direct=True),
    Action("containers", "delete", "Delete Container", delete_container, row=True,
           direct=True),
)
