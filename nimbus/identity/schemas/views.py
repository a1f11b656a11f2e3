"""Response shapes of the identity API, kept apart from the tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nimbus.core.db.base import iso_micro
from nimbus.identity.constants import GLOBAL
from nimbus.identity.db.models import (
    ApplicationCredential,
    Endpoint,
    Group,
    Project,
    Region,
    Role,
    Service,
    User,
)


def iso_z(when: dt.datetime | None) -> str | None:
    """A time as Keystone prints it: microseconds and a Z."""
    return f"{iso_micro(when)}Z" if when else None


def _link(base: str, collection: str, id_: str) -> dict[str, str]:
    return {"self": f"{base}/v3/{collection}/{id_}"}


def collection(base: str, path: str, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: items, "links": {"self": f"{base}/v3/{path}", "previous": None, "next": None}}


def domain(base: str, d: Project) -> dict[str, Any]:
    return {"id": d.id, "name": d.name, "description": d.description or "", "enabled": d.enabled,
            "tags": d.tags or [], "options": d.options or {},
            "links": _link(base, "domains", d.id)}


def project(base: str, p: Project) -> dict[str, Any]:
    """A project, or a domain seen through the projects API (``is_domain``, no domain)."""
    body: dict[str, Any] = dict(p.extra or {})
    body.update({"id": p.id, "name": p.name, "domain_id": None if p.is_domain else p.domain_id,
                 "description": p.description or "", "enabled": p.enabled,
                 "parent_id": None if p.is_domain else p.parent_id, "is_domain": p.is_domain,
                 "tags": p.tags or [], "options": p.options or {},
                 "links": _link(base, "projects", p.id)})
    return body


def user(base: str, u: User, password_expires_at: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": u.id, "name": u.name, "domain_id": u.domain_id,
                            "enabled": u.enabled, "options": u.options or {},
                            "password_expires_at": iso_z(password_expires_at),
                            "links": _link(base, "users", u.id)}
    if u.default_project_id:
        body["default_project_id"] = u.default_project_id
    if u.description is not None:
        body["description"] = u.description
    if u.email is not None:
        body["email"] = u.email
    body.update(u.extra or {})
    return body


def group(base: str, g: Group) -> dict[str, Any]:
    return {"id": g.id, "name": g.name, "domain_id": g.domain_id,
            "description": g.description or "", "links": _link(base, "groups", g.id)}


def role(base: str, r: Role) -> dict[str, Any]:
    return {"id": r.id, "name": r.name,
            "domain_id": None if r.domain_id == GLOBAL else r.domain_id,
            "description": r.description, "options": r.options or {},
            "links": _link(base, "roles", r.id)}


def role_ref(base: str, r: Role) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "links": _link(base, "roles", r.id)}


def region(base: str, r: Region) -> dict[str, Any]:
    return {"id": r.id, "description": r.description or "",
            "parent_region_id": r.parent_region_id, "links": _link(base, "regions", r.id)}


def service(base: str, s: Service) -> dict[str, Any]:
    body = {"id": s.id, "type": s.type, "name": s.name, "enabled": s.enabled,
            "description": s.description or "", "links": _link(base, "services", s.id)}
    return body


def endpoint(base: str, e: Endpoint) -> dict[str, Any]:
    return {"id": e.id, "service_id": e.service_id, "interface": e.interface, "url": e.url,
            "region_id": e.region_id, "region": e.region_id, "enabled": e.enabled,
            "links": _link(base, "endpoints", e.id)}


def app_cred(base: str, c: ApplicationCredential, role_names: dict[str, str]) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "description": c.description, "user_id": c.user_id,
            "project_id": c.project_id, "expires_at": iso_micro(c.expires_at),
            "unrestricted": c.unrestricted, "access_rules": c.access_rules or [],
            "roles": [{"id": r["id"], "name": role_names.get(r["id"], r.get("name")),
                       "domain_id": None} for r in c.roles],
            "links": {"self": f"{base}/v3/users/{c.user_id}/application_credentials/{c.id}"}}
