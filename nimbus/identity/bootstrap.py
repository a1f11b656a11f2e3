"""First-start data: the default domain, projects, roles, users and the service catalog.

Idempotent: every start runs it, and it only creates what is missing (or corrects endpoint URLs
and the admin password when those settings changed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from typing import TYPE_CHECKING

from nimbus.core.errors import Conflict, NotFound
from nimbus.core.platform import SERVICE_USERS
from nimbus.identity.managers.assignment import SYSTEM, USER_PROJECT, USER_SYSTEM, Grant
from nimbus.identity.managers.resource import DEFAULT_DOMAIN
from nimbus.identity.passwords import verify_password

if TYPE_CHECKING:
    from nimbus.core.platform import Platform
    from nimbus.identity.manager import IdentityState

ROLES = ["admin", "member", "reader", "ResellerAdmin", "service"]
SERVICE_NAMES = {
    "identity": "keystone", "compute": "nova", "placement": "placement", "image": "glance",
    "network": "neutron", "volumev3": "cinderv3", "block-storage": "cinder",
    "object-store": "swift", "orchestration": "heat",
}
# Accounts the cloud itself relies on must not be locked out by someone guessing passwords.
SERVICE_OPTIONS = {"ignore_lockout_failure_attempts": True, "ignore_password_expiry": True,
                   "ignore_change_password_upon_first_use": True}


def _ensure_project(st: IdentityState, name: str) -> str:
    try:
        return st.resource.get_project_by_name(name, DEFAULT_DOMAIN).id
    except NotFound:
        return st.resource.create_project(name, DEFAULT_DOMAIN, f"Bootstrap project {name}").id


def _ensure_role(st: IdentityState, name: str) -> str:
    try:
        return st.assignment.get_role_by_name(name).id
    except NotFound:
        return st.assignment.create_role(name).id


def _ensure_user(st: IdentityState, name: str, password: str, project_id: str,
                 options: dict[str, bool] | None = None) -> str:
    try:
        user = st.users.get_user_by_name(name, DEFAULT_DOMAIN)
    except NotFound:
        return st.users.create_user(name, DEFAULT_DOMAIN, password,
                                    default_project_id=project_id, options=options).id
    with st.cloud.db.reader() as s:
        current = st.users.current_password(s, user.id)
    if current is None or not verify_password(password, current.hash):
        st.users.update_user(user.id, {"password": password})
    return user.id


def _ensure_catalog(cloud: Platform, st: IdentityState) -> None:
    region = cloud.settings.region
    try:
        st.catalog.get_region(region)
    except NotFound:
        with contextlib.suppress(Conflict):
            st.catalog.create_region(region)
    wanted: dict[str, str] = {}
    for endpoint in cloud.endpoints:
        for service_type in [endpoint.service_type, *endpoint.extra_types]:
            wanted[service_type] = endpoint.url
    for service_type, url in wanted.items():
        services = st.catalog.list_services(service_type)
        svc = services[0] if services else st.catalog.create_service(
            service_type, SERVICE_NAMES.get(service_type, service_type),
            f"Nimbus {service_type} service")
        existing = {e.interface: e for e in st.catalog.list_endpoints({"service_id": svc.id})}
        for interface in ("public", "internal", "admin"):
            ep = existing.get(interface)
            if ep is None:
                st.catalog.create_endpoint(svc.id, interface, url, region)
            elif ep.url != url:
                st.catalog.update_endpoint(ep.id, {"url": url})


def _fingerprint(cloud: Platform) -> str:
    """What the bootstrap depends on; when unchanged since the last run, it has nothing to do."""
    wanted = {
        "secrets": cloud.secrets,
        "region": cloud.settings.region,
        "db": cloud.settings.database_url,
        "endpoints": sorted((e.service_type, e.url, *e.extra_types) for e in cloud.endpoints),
        "roles": ROLES,
        "service_users": SERVICE_USERS,
    }
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()


def _learn_facts(cloud: Platform, st: IdentityState) -> None:
    """The ids other services' bootstraps need; NotFound when the bootstrap has not run."""
    projects = {n: st.resource.get_project_by_name(n, DEFAULT_DOMAIN).id
                for n in ("admin", "demo", "service")}
    roles = {n: st.assignment.get_role_by_name(n).id for n in ROLES}
    users = {n: st.users.get_user_by_name(n, DEFAULT_DOMAIN).id
             for n in ("admin", "demo", *SERVICE_USERS)}
    _remember(cloud, projects, roles, users)


def _remember(cloud: Platform, projects: dict[str, str], roles: dict[str, str],
              users: dict[str, str]) -> None:
    cloud.facts.projects, cloud.facts.roles, cloud.facts.users = projects, roles, users
    cloud.facts.domain = DEFAULT_DOMAIN


def bootstrap(cloud: Platform, st: IdentityState) -> None:
    # Verifying every bootstrap password costs a KDF run each; a restart with the same settings
    # only needs the ids.
    marker = cloud.settings.state_dir / ".identity-bootstrap"
    fingerprint = _fingerprint(cloud)
    if marker.exists() and marker.read_text() == fingerprint:
        try:
            _learn_facts(cloud, st)
            return
        except NotFound:
            pass
    _full_bootstrap(cloud, st)
    marker.write_text(fingerprint)


def _full_bootstrap(cloud: Platform, st: IdentityState) -> None:
    try:
        st.resource.get_domain(DEFAULT_DOMAIN)
    except NotFound:
        st.resource.create_domain("Default", "The default domain", domain_id=DEFAULT_DOMAIN)
    projects = {name: _ensure_project(st, name) for name in ("admin", "demo", "service")}
    roles = {name: _ensure_role(st, name) for name in ROLES}
    implied = set(st.assignment.list_implied())
    for prior, then in (("admin", "member"), ("member", "reader")):
        if (roles[prior], roles[then]) not in implied:
            st.assignment.create_implied(roles[prior], roles[then])
    secrets = cloud.secrets
    users = {
        "admin": _ensure_user(st, "admin", secrets["admin_password"], projects["admin"],
                              SERVICE_OPTIONS),
        "demo": _ensure_user(st, "demo", secrets["demo_password"], projects["demo"]),
    }
    grants = [
        Grant(USER_PROJECT, users["admin"], projects["admin"], roles["admin"]),
        Grant(USER_SYSTEM, users["admin"], SYSTEM, roles["admin"]),
        Grant(USER_PROJECT, users["demo"], projects["demo"], roles["member"]),
    ]
    for name in SERVICE_USERS:
        users[name] = _ensure_user(st, name, secrets[f"{name}_password"], projects["service"],
                                   SERVICE_OPTIONS)
        grants.append(Grant(USER_PROJECT, users[name], projects["service"], roles["admin"]))
        grants.append(Grant(USER_PROJECT, users[name], projects["service"], roles["service"]))
    for grant in grants:
        if not st.assignment.check(grant):
            st.assignment.grant(grant)
    _ensure_catalog(cloud, st)
    _remember(cloud, projects, roles, users)
