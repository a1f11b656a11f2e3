"""Authentication and tokens: issue, validate, revoke."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from nimbus.core.db.base import iso_micro, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, NotFound, Unauthorized
from nimbus.identity.db.models import Project, RevocationEvent, User
from nimbus.identity.fernet import KeyRepository, TokenPayload, decode, encode, new_audit_id
from nimbus.identity.managers.token_cache import RenderCache, WriteGeneration

if TYPE_CHECKING:
    from nimbus.identity.manager import IdentityState


def _us(when: dt.datetime) -> int:
    return int(when.replace(tzinfo=dt.UTC).timestamp() * 1_000_000)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def iso_z(when: dt.datetime | None) -> str | None:
    return f"{iso_micro(when)}Z" if when else None


# How stale this process's view of revocations made by other processes may get.
REVOCATION_RECHECK = 1.0


@dataclass
class Issued:
    token: str
    body: dict[str, Any]


class TokenManager:
    def __init__(self, db: Database, keys: KeyRepository, state: IdentityState,
                 lifetime: int) -> None:
        self.db = db
        self.keys = keys
        self.state = state
        self.lifetime = lifetime
        self._events: tuple[int, list[RevocationEvent]] = (-1, [])
        self._events_lock = threading.Lock()
        self._events_checked: tuple[int, float] = (-1, 0.0)
        settings = getattr(getattr(state, "cloud", None), "settings", None)
        self.bodies = RenderCache(WriteGeneration(db.engine),
                                  getattr(settings, "token_cache_seconds", 30))

    # -- issuing ----------------------------------------------------------------------------
    def issue(self, user: User, methods: list[str], scope: str, scope_id: str | None,
              parent_audit_id: str | None = None, expires_at: dt.datetime | None = None,
              app_cred_id: str | None = None, include_catalog: bool = True,
              federation: dict[str, Any] | None = None, trust_id: str | None = None) -> Issued:
        now = _now()
        expires = now + dt.timedelta(seconds=self.lifetime)
        if expires_at is not None:
            expires = min(expires, expires_at)
        audit_ids = [new_audit_id()] + ([parent_audit_id] if parent_audit_id else [])
        payload = TokenPayload(user_id=user.id, methods=methods, expires_at=expires,
                               audit_ids=audit_ids, scope=scope, scope_id=scope_id,
                               app_cred_id=app_cred_id, issued_at=now)
        payload.federation = federation
        payload.trust_id = trust_id
        body = self.render(payload, include_catalog)
        return Issued(encode(self.keys, payload), body)

    # -- validating -------------------------------------------------------------------------
    def validate(self, token: str, allow_expired: bool = False,
                 include_catalog: bool = True) -> dict[str, Any]:
        """The token's body if it is valid now; NotFound otherwise (as Keystone answers)."""
        payload = decode(self.keys, token)
        if payload.expires_at <= _now() and not allow_expired:
            raise NotFound("The token has expired.")
        # The generation is read before the revocation check and the render: a write that
        # commits meanwhile moves it, so what was read here is never served after that write.
        generation = self.bodies.generation.value
        if self._revoked(payload):
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
        st = self.state
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
        idp = self.state.federation.get_idp(fed["idp"])
        if not idp.row.enabled:
            raise NotFound(f"Identity Provider {idp.row.id} is disabled.")
        body["user"]["OS-FEDERATION"] = {
            "identity_provider": {"id": fed["idp"]}, "protocol": {"id": fed["protocol"]},
            "groups": [{"id": g} for g in fed["groups"]]}
        return list(dict.fromkeys([*groups, *fed["groups"]]))

    def group_ids(self, token: str | None, user_id: str) -> list[str]:
        """The user's groups, plus those a federated ``token`` was mapped to."""
        groups = self.state.users.group_ids_of(user_id)
        if token:
            try:
                fed = decode(self.keys, token).federation
            except NotFound:
                fed = None
            if fed:
                groups = list(dict.fromkeys([*groups, *fed["groups"]]))
        return groups

    # -- revocation -------------------------------------------------------------------------
    @retry_on_lock()
    def revoke(self, *, audit_id: str | None = None, user_id: str | None = None,
               project_id: str | None = None, domain_id: str | None = None,
               role_id: str | None = None) -> None:
        with self.db.writer() as s:
            s.add(RevocationEvent(audit_id=audit_id, user_id=user_id, project_id=project_id,
                                  domain_id=domain_id, role_id=role_id,
                                  issued_before_us=_us(_now()), revoked_at=utcnow()))
        self.state.on_revocation()

    def revoke_token(self, token: str) -> None:
        payload = decode(self.keys, token)
        if self._revoked(payload):
            raise NotFound("Could not find token")
        self.revoke(audit_id=payload.audit_ids[0])

    def _load_events(self) -> list[RevocationEvent]:
        # A revocation made in this process is an identity write, which moves the generation,
        # so it is seen at once; one made by another process within REVOCATION_RECHECK seconds.
        # Skipping the query otherwise keeps a database round-trip off every validation.
        generation, now = self.bodies.generation.value, time.monotonic()
        with self._events_lock:
            if self._events_checked[0] == generation and now - self._events_checked[1] < \
                    REVOCATION_RECHECK:
                return self._events[1]
        with self.db.reader() as s:
            top = s.scalar(select(func.max(RevocationEvent.id))) or 0
            with self._events_lock:
                if top == self._events[0]:
                    self._events_checked = (generation, now)
                    return self._events[1]
            events = list(s.scalars(select(RevocationEvent)))
        with self._events_lock:
            self._events = (top, events)
            self._events_checked = (generation, now)
        return events

    def _revoked(self, p: TokenPayload) -> bool:
        issued = _us(p.issued_at)
        for ev in self._load_events():
            if issued > ev.issued_before_us:
                continue
            if ev.audit_id and ev.audit_id not in p.audit_ids:
                continue
            if ev.user_id and ev.user_id != p.user_id:
                continue
            if ev.project_id and not (p.scope == "project" and p.scope_id == ev.project_id):
                continue
            in_domain = (p.scope == "domain" and p.scope_id == ev.domain_id) or (
                p.scope == "project" and self._project_domain(p.scope_id) == ev.domain_id)
            if ev.domain_id and not in_domain:
                continue
            return True
        return False

    def _project_domain(self, project_id: str | None) -> str | None:
        if not project_id:
            return None
        with self.db.reader() as s:
            row = s.get(Project, project_id)
        return row.domain_id if row else None


def require(body: dict[str, Any], *path: str) -> Any:
    """``body[path[0]][path[1]]...`` or a 400 naming the missing field."""
    node: Any = body
    for i, key in enumerate(path):
        if not isinstance(node, dict) or key not in node:
            raise BadRequest(f"Invalid input for field '{'.'.join(path[: i + 1])}': it is "
                             f"required.")
        node = node[key]
    return node
