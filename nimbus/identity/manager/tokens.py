"""Tokens: issue, validate (rendering the body a token stands for) and revoke one token."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from nimbus.core.errors import NotFound, Unauthorized
from nimbus.identity.db.models import User
from nimbus.identity.manager.app_creds import AppCredManager
from nimbus.identity.manager.assignment import AssignmentManager
from nimbus.identity.manager.catalog import CatalogManager
from nimbus.identity.manager.domain_users import DomainUserManager
from nimbus.identity.manager.federation.providers import FederationManager
from nimbus.identity.manager.fernet import (
    KeyRepository,
    TokenPayload,
    decode,
    encode,
    new_audit_id,
)
from nimbus.identity.manager.resource import ResourceManager
from nimbus.identity.manager.revocations import RevocationManager, now
from nimbus.identity.manager.token_cache import RenderCache
from nimbus.identity.manager.trusts import TrustManager
from nimbus.identity.schemas.views import iso_z


@dataclass
class Issued:
    token: str
    body: dict[str, Any]


@dataclass
class TokenSources:
    """What a token's body is rendered from: who, where, with which roles and catalog."""

    users: DomainUserManager
    resource: ResourceManager
    assignment: AssignmentManager
    app_creds: AppCredManager
    trusts: TrustManager
    catalog: CatalogManager
    federation: FederationManager


class TokenManager:
    def __init__(self, keys: KeyRepository, lifetime: int, bodies: RenderCache,
                 revocations: RevocationManager, sources: TokenSources) -> None:
        self.keys = keys
        self.lifetime = lifetime
        self.bodies = bodies
        self.revocations = revocations
        self.src = sources

    # -- issuing ----------------------------------------------------------------------------
    def issue(self, user: User, methods: list[str], scope: str, scope_id: str | None,
              parent_audit_id: str | None = None, expires_at: dt.datetime | None = None,
              app_cred_id: str | None = None, include_catalog: bool = True,
              federation: dict[str, Any] | None = None, trust_id: str | None = None) -> Issued:
        issued = now()
        expires = issued + dt.timedelta(seconds=self.lifetime)
        if expires_at is not None:
            expires = min(expires, expires_at)
        audit_ids = [new_audit_id()] + ([parent_audit_id] if parent_audit_id else [])
        payload = TokenPayload(user_id=user.id, methods=methods, expires_at=expires,
                               audit_ids=audit_ids, scope=scope, scope_id=scope_id,
                               app_cred_id=app_cred_id, issued_at=issued)
        payload.federation = federation
        payload.trust_id = trust_id
        body = self.render(payload, include_catalog)
        return Issued(encode(self.keys, payload), body)

    # -- validating -------------------------------------------------------------------------
    def validate(self, token: str, allow_expired: bool = False,
                 include_catalog: bool = True) -> dict[str, Any]:
        """The token's body if it is valid now; NotFound otherwise (as Keystone answers)."""
        payload = decode(self.keys, token)
        if payload.expires_at <= now() and not allow_expired:
            raise NotFound("The token has expired.")
        # The generation is read before the revocation check and the render: a write that
        # commits meanwhile moves it, so what was read here is never served after that write.
        generation = self.bodies.generation.value
        if self.revocations.is_revoked(payload):
            raise NotFound("Failed to validate token")
        key = self.bodies.key(token, include_catalog)
        cached = self.bodies.get(key, generation)
        if cached is not None:
            return cached
        try:
            body = self.render(payload, include_catalog)
        except (NotFound, Unauthorized):
            raise NotFound("Failed to validate token") from None
        self.bodies.put(key, generation, body)
        return dict(body)

    def render(self, payload: TokenPayload, include_catalog: bool = True) -> dict[str, Any]:
        st = self.src
        user = st.users.get_user(payload.user_id)
        if not user.enabled:
            raise NotFound(f"User {user.id} is disabled.")
        domain = st.resource.get_domain(user.domain_id)
        if not domain.enabled:
            raise NotFound(f"Domain {domain.id} is disabled.")
        body: dict[str, Any] = {
            "methods": payload.methods,
            "user": {"id": user.id, "name": user.name,
                     "domain": {"id": domain.id, "name": domain.name},
                     "password_expires_at": iso_z(st.users.password_expires_at(user.id))},
            "audit_ids": payload.audit_ids,
            "expires_at": iso_z(payload.expires_at),
            "issued_at": iso_z(payload.issued_at),
        }
        groups = st.users.group_ids_of(user.id)
        if payload.federation:
            groups = self._federated(payload.federation, body, groups)
        role_ids: set[str] = set()
        project_id = None
        if payload.scope == "project" and payload.scope_id:
            project = st.resource.get_project(payload.scope_id)
            pdomain = st.resource.get_domain(project.domain_id)
            if not project.enabled or not pdomain.enabled:
                raise NotFound(f"Project {project.id} is disabled.")
            project_id = project.id
            body["project"] = {"id": project.id, "name": project.name,
                               "domain": {"id": pdomain.id, "name": pdomain.name}}
            body["is_domain"] = False
            role_ids = st.assignment.roles_for(user.id, groups, "project", project.id)
        elif payload.scope == "domain" and payload.scope_id:
            sdomain = st.resource.get_domain(payload.scope_id)
            if not sdomain.enabled:
                raise NotFound(f"Domain {sdomain.id} is disabled.")
            body["domain"] = {"id": sdomain.id, "name": sdomain.name}
            role_ids = st.assignment.roles_for(user.id, groups, "domain", sdomain.id)
        elif payload.scope == "system":
            body["system"] = {"all": True}
            role_ids = st.assignment.roles_for(user.id, groups, "system", None)
        if payload.app_cred_id:
            cred = st.app_creds.get(payload.app_cred_id)
            allowed = {r["id"] for r in cred.roles}
            role_ids &= st.assignment.expand(allowed)
            body["application_credential"] = {"id": cred.id, "name": cred.name,
                                              "restricted": not cred.unrestricted}
            if cred.access_rules:
                body["application_credential"]["access_rules"] = cred.access_rules
        if payload.trust_id:
            # OS-TRUST: the trust's roles, whatever the token's user holds themselves.
            role_ids = st.trusts.render_into(payload.trust_id, user.id, body)
        if payload.scope != "unscoped":
            if not role_ids:
                raise Unauthorized("The user has no role on the requested scope.")
            roles = [st.assignment.get_role(r) for r in sorted(role_ids)]
            body["roles"] = [{"id": r.id, "name": r.name} for r in roles]
            if include_catalog:
                body["catalog"] = st.catalog.catalog(project_id, user.id)
        return body

    def _federated(self, fed: dict[str, Any], body: dict[str, Any],
                   groups: list[str]) -> list[str]:
        """OS-FEDERATION: the mapped groups join the user's own while the provider is enabled."""
        idp = self.src.federation.get_idp(fed["idp"])
        if not idp.row.enabled:
            raise NotFound(f"Identity Provider {idp.row.id} is disabled.")
        body["user"]["OS-FEDERATION"] = {
            "identity_provider": {"id": fed["idp"]}, "protocol": {"id": fed["protocol"]},
            "groups": [{"id": g} for g in fed["groups"]]}
        return list(dict.fromkeys([*groups, *fed["groups"]]))

    def group_ids(self, token: str | None, user_id: str) -> list[str]:
        """The user's groups, plus those a federated ``token`` was mapped to."""
        groups = self.src.users.group_ids_of(user_id)
        if token:
            try:
                fed = decode(self.keys, token).federation
            except NotFound:
                fed = None
            if fed:
                groups = list(dict.fromkeys([*groups, *fed["groups"]]))
        return groups

    # -- revocation -------------------------------------------------------------------------
    def revoke_token(self, token: str) -> None:
        payload = decode(self.keys, token)
        if self.revocations.is_revoked(payload):
            raise NotFound("Could not find token")
        self.revocations.revoke(audit_id=payload.audit_ids[0])

    def payload(self, token: str) -> TokenPayload:
        """What a token says (NotFound for one that is not ours), valid or not."""
        return decode(self.keys, token)
