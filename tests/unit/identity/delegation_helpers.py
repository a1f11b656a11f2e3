"""Helpers for the trust, credential and application-credential tests: users, projects, roles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tests.unit.identity.conftest import Keystone


@dataclass
class Person:
    id: str
    name: str
    password: str


def make_user(ks: Keystone, admin: str, project_id: str | None = None,
              role: str | None = None) -> Person:
    name = f"u-{uuid.uuid4().hex[:8]}"
    resp = ks.call("POST", "/users", admin, json={"user": {
        "name": name, "password": "pw-" + name, "domain_id": "default"}})
    assert resp.status_code == 201, resp.text
    person = Person(resp.json()["user"]["id"], name, "pw-" + name)
    if project_id and role:
        grant(ks, admin, project_id, person.id, role)
    return person


def make_project(ks: Keystone, admin: str) -> str:
    resp = ks.call("POST", "/projects", admin, json={"project": {
        "name": f"p-{uuid.uuid4().hex[:8]}", "domain_id": "default"}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["project"]["id"])


def make_role(ks: Keystone, admin: str) -> dict[str, Any]:
    resp = ks.call("POST", "/roles", admin, json={"role": {"name": f"r-{uuid.uuid4().hex[:8]}"}})
    assert resp.status_code == 201, resp.text
    return dict(resp.json()["role"])


def role_id(ks: Keystone, admin: str, name: str) -> str:
    resp = ks.call("GET", f"/roles?name={name}", admin)
    return str(resp.json()["roles"][0]["id"])


def grant(ks: Keystone, admin: str, project_id: str, user_id: str, role: str) -> None:
    rid = role if len(role) == 32 else role_id(ks, admin, role)
    resp = ks.call("PUT", f"/projects/{project_id}/users/{user_id}/roles/{rid}", admin)
    assert resp.status_code == 204, resp.text


def login(ks: Keystone, who: Person, project_id: str | None = None,
          trust_id: str | None = None) -> tuple[str, dict[str, Any]]:
    auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": {
        "id": who.id, "password": who.password}}}}
    if project_id:
        auth["scope"] = {"project": {"id": project_id}}
    if trust_id:
        auth["scope"] = {"OS-TRUST:trust": {"id": trust_id}}
    resp = ks.client.post("/identity/v3/auth/tokens", json={"auth": auth})
    assert resp.status_code == 201, resp.text
    return str(resp.headers["X-Subject-Token"]), dict(resp.json()["token"])
