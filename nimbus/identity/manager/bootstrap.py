"""First-start data: the default domain, projects, roles, users and the service catalog.

Idempotent: every start runs it, and it only creates what is missing (or corrects endpoint URLs
and the admin password when those settings changed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nimbus.core.errors import Conflict, NotFound
from nimbus.core.platform import SERVICE_USERS, Endpoint, Facts
from nimbus.identity.constants import DEFAULT_DOMAIN, SYSTEM, USER_PROJECT, USER_SYSTEM
from nimbus.identity.manager.assignment import AssignmentManager, Grant
from nimbus.identity.manager.catalog import CatalogManager
from nimbus.identity.manager.domain_users import DomainUserManager
from nimbus.identity.manager.resource import ResourceManager

# As keystone-manage bootstrap makes them (2024.1 on): "manager" is a project manager, who
# is a member too.
ROLES = ["admin", "manager", "member", "reader", "ResellerAdmin", "service"]
SERVICE_NAMES = {
    "identity": "keystone", "compute": "nova", "placement": "placement", "image": "glance",
    "network": "neutron", "volumev3": "cinderv3", "block-storage": "cinder",
    "object-store": "swift", "s3": "swift_s3", "orchestration": "heat",
}
# Accounts the cloud itself relies on must not be locked out by someone guessing passwords.
SERVICE_OPTIONS = {"ignore_lockout_failure_attempts": True, "ignore_password_expiry": True,
                   "ignore_change_password_upon_first_use": True}


@dataclass(frozen=True)
class Wanted:
    """What the cloud asks of the bootstrap: its secrets, region, database and endpoints."""

    secrets: dict[str, Any]
    region: str
    database_url: str
    endpoints: Sequence[Endpoint]

    def fingerprint(self) -> str:
        """What the bootstrap depends on, in two parts: the accounts (whose passwords cost a KDF
        run each to verify) and the catalog (whose URLs change with the port alone)."""
        return f"{self._digest(self._accounts())}\n{self._digest(self._catalog())}"

    def _accounts(self) -> dict[str, Any]:
        return {"secrets": self.secrets, "db": self.database_url, "roles": ROLES,
                "service_users": SERVICE_USERS}

    def _catalog(self) -> dict[str, Any]:
        return {"region": self.region, "db": self.database_url,
                "endpoints": sorted((e.service_type, e.url, *e.extra_types)
                                    for e in self.endpoints)}

    @staticmethod
    def _digest(wanted: dict[str, Any]) -> str:
        return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()


class Bootstrap:
    """``marker`` records the fingerprint of the last full run."""

    def __init__(self, resource: ResourceManager, assignment: AssignmentManager,
                 users: DomainUserManager, catalog: CatalogManager, marker: Path) -> None:
        self.resource = resource
        self.assignment = assignment
        self.users = users
        self.catalog = catalog
        self.marker = marker

    def run(self, wanted: Wanted) -> Facts:
        """The ids other services' bootstraps need, after creating whatever is missing."""
        # Verifying every bootstrap password costs a KDF run each; a restart with the same
        # accounts only needs the ids, and the catalog's URLs when they moved (a new port).
        fingerprint = wanted.fingerprint()
        last = self.marker.read_text() if self.marker.exists() else ""
        if last == fingerprint or last.partition("\n")[0] == fingerprint.partition("\n")[0]:
            try:
                facts = self._learn_facts()
            except NotFound:
                pass
            else:
                if last != fingerprint:
                    self._ensure_catalog(wanted)
                    self.marker.write_text(fingerprint)
                return facts
        facts = self._full(wanted)
        self.marker.write_text(fingerprint)
        return facts

    def _ensure_project(self, name: str) -> str:
        try:
            return self.resource.get_project_by_name(name, DEFAULT_DOMAIN).id
        except NotFound:
            return self.resource.create_project(name, DEFAULT_DOMAIN,
                                                f"Bootstrap project {name}").id

    def _ensure_role(self, name: str) -> str:
        try:
            return self.assignment.get_role_by_name(name).id
        except NotFound:
            return self.assignment.create_role(name).id

    def _ensure_user(self, name: str, password: str, project_id: str,
                     options: dict[str, bool] | None = None) -> str:
        try:
            user = self.users.get_user_by_name(name, DEFAULT_DOMAIN)
        except NotFound:
            return self.users.create_user(name, DEFAULT_DOMAIN, password,
                                          default_project_id=project_id, options=options).id
        if not self.users.password_matches(user.id, password):
            self.users.update_user(user.id, {"password": password})
        return user.id

    def _ensure_catalog(self, wanted: Wanted) -> None:
        region = wanted.region
        try:
            self.catalog.get_region(region)
        except NotFound:
            with contextlib.suppress(Conflict):
                self.catalog.create_region(region)
        urls: dict[str, str] = {}
        for endpoint in wanted.endpoints:
            for service_type in [endpoint.service_type, *endpoint.extra_types]:
                urls[service_type] = endpoint.url
        for service_type, url in urls.items():
            services = self.catalog.list_services(service_type)
            svc = services[0] if services else self.catalog.create_service(
                service_type, SERVICE_NAMES.get(service_type, service_type),
                f"Nimbus {service_type} service")
            existing = {e.interface: e
                        for e in self.catalog.list_endpoints({"service_id": svc.id})}
            for interface in ("public", "internal", "admin"):
                ep = existing.get(interface)
                if ep is None:
                    self.catalog.create_endpoint(svc.id, interface, url, region)
                elif ep.url != url:
                    self.catalog.update_endpoint(ep.id, {"url": url})

    def _learn_facts(self) -> Facts:
        """The ids other services' bootstraps need; NotFound when the bootstrap has not run."""
        projects = {n: self.resource.get_project_by_name(n, DEFAULT_DOMAIN).id
                    for n in ("admin", "demo", "service")}
        roles = {n: self.assignment.get_role_by_name(n).id for n in ROLES}
        users = {n: self.users.get_user_by_name(n, DEFAULT_DOMAIN).id
                 for n in ("admin", "demo", *SERVICE_USERS)}
        return Facts(projects, roles, users, DEFAULT_DOMAIN)

    def _full(self, wanted: Wanted) -> Facts:
        try:
            self.resource.get_domain(DEFAULT_DOMAIN)
        except NotFound:
            self.resource.create_domain("Default", "The default domain", domain_id=DEFAULT_DOMAIN)
        projects = {name: self._ensure_project(name) for name in ("admin", "demo", "service")}
        roles = {name: self._ensure_role(name) for name in ROLES}
        implied = set(self.assignment.list_implied())
        for prior, then in (("admin", "member"), ("manager", "member"), ("member", "reader")):
            if (roles[prior], roles[then]) not in implied:
                self.assignment.create_implied(roles[prior], roles[then])
        secrets = wanted.secrets
        users = {
            "admin": self._ensure_user("admin", secrets["admin_password"], projects["admin"],
                                       SERVICE_OPTIONS),
            "demo": self._ensure_user("demo", secrets["demo_password"], projects["demo"]),
        }
        grants = [
            Grant(USER_PROJECT, users["admin"], projects["admin"], roles["admin"]),
            Grant(USER_SYSTEM, users["admin"], SYSTEM, roles["admin"]),
            Grant(USER_PROJECT, users["demo"], projects["demo"], roles["member"]),
        ]
        for name in SERVICE_USERS:
            users[name] = self._ensure_user(name, secrets[f"{name}_password"],
                                            projects["service"], SERVICE_OPTIONS)
            grants.append(Grant(USER_PROJECT, users[name], projects["service"], roles["admin"]))
            grants.append(Grant(USER_PROJECT, users[name], projects["service"],
                                roles["service"]))
        for grant in grants:
            if not self.assignment.check(grant):
                self.assignment.grant(grant)
        self._ensure_catalog(wanted)
        return Facts(projects, roles, users, DEFAULT_DOMAIN)
