"""API Access: the catalog as the user's token shows it, and the files that let a CLI act as
the user (clouds.yaml and an openrc, as Horizon writes them: no password inside), and
application credentials, whose secret is shown once."""

from __future__ import annotations

from typing import Any

import yaml

from nimbus.clients.user_session import UserSession


def endpoints(user: UserSession) -> list[tuple[str, str]]:
    """(service type, public URL) for every entry of the user's catalog."""
    found = []
    for entry in user.scoped.catalog:
        for endpoint in entry.get("endpoints", []):
            if endpoint.get("interface") == "public":
                found.append((str(entry.get("type", "")), str(endpoint.get("url", ""))))
    return sorted(found)


def clouds_yaml(user: UserSession, credential: dict[str, Any] | None = None) -> str:
    """A clouds.yaml with one cloud, ``openstack``: the user and project by name and id, or
    (``credential``) an application credential with its secret."""
    scoped = user.scoped
    auth: dict[str, Any]
    if credential is not None:
        auth = {"auth_url": user.identity_url, "application_credential_id": credential["id"],
                "application_credential_secret": credential["secret"]}
        auth_type = "v3applicationcredential"
    else:
        auth = {"auth_url": user.identity_url, "username": scoped.user_name,
                "project_id": scoped.project_id, "project_name": scoped.project_name,
                "user_domain_name": scoped.domain_name}
        auth_type = "password"
    cloud = {"auth": auth, "auth_type": auth_type, "region_name": user.region,
             "interface": "public", "identity_api_version": 3}
    note = "" if credential is not None else \
        "# No password inside: give it with --os-password, OS_PASSWORD or a secure.yaml.\n"
    return note + yaml.safe_dump({"clouds": {"openstack": cloud}}, sort_keys=False)


def _quote(value: object) -> str:
    return "'" + str(value).replace("'", "'\"'\"'") + "'"


def openrc(user: UserSession) -> str:
    scoped = user.scoped
    lines = ["#!/usr/bin/env bash",
             "# Source this file, then type the password when asked.",
             f"export OS_AUTH_URL={_quote(user.identity_url)}",
             f"export OS_PROJECT_ID={_quote(scoped.project_id or '')}",
             f"export OS_PROJECT_NAME={_quote(scoped.project_name or '')}",
             f"export OS_USER_DOMAIN_NAME={_quote(scoped.domain_name)}",
             "unset OS_TENANT_ID OS_TENANT_NAME",
             f"export OS_USERNAME={_quote(scoped.user_name)}",
             'echo "Please enter your OpenStack Password for project $OS_PROJECT_NAME as user '
             '$OS_USERNAME: "',
             "read -sr OS_PASSWORD_INPUT",
             'export OS_PASSWORD="$OS_PASSWORD_INPUT"',
             f"export OS_REGION_NAME={_quote(user.region)}",
             "export OS_INTERFACE=public",
             "export OS_IDENTITY_API_VERSION=3", ""]
    return "\n".join(lines)


def credentials(user: UserSession) -> list[dict[str, Any]]:
    found = user.get("identity", f"/users/{user.scoped.user_id}/application_credentials")
    return list((found or {}).get("application_credentials", []))


def create_credential(user: UserSession, name: str, description: str) -> dict[str, Any]:
    body = {"application_credential": {"name": name, "description": description or None}}
    made = user.request("identity", "POST",
                        f"/users/{user.scoped.user_id}/application_credentials", body)
    return dict(made["application_credential"])
