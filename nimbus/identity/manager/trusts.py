"""Trusts (OS-TRUST): a trustor delegates some of their roles on a project to a trustee.

A trust may be redelegated (the trustee makes a trust of their own from a trust-scoped token) as
long as the chain allows it: every link narrows roles and expiry, never widens them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from nimbus.core.db.base import new_hex_id, utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from nimbus.identity.db import trusts as q
from nimbus.identity.db.models import Trust, User
from nimbus.identity.manager.assignment import AssignmentManager
from nimbus.identity.manager.domain_users import DomainUserManager
from nimbus.identity.manager.resource import ResourceManager

MAX_REDELEGATION_COUNT = 3


@dataclass
class TrustRequest:
    trustor_user_id: str
    trustee_user_id: str
    project_id: str | None
    role_ids: list[str]
    impersonation: bool
    expires_at: dt.datetime | None = None
    remaining_uses: int | None = None
    allow_redelegation: bool = False
    redelegation_count: int | None = None


def _usable(row: Trust | None, now: dt.datetime) -> bool:
    if row is None or row.deleted_at is not None:
        return False
    if row.expires_at is not None and row.expires_at <= now:
        return False
    return not (row.remaining_uses is not None and row.remaining_uses <= 0)


class TrustManager:
    def __init__(self, db: Database, users: DomainUserManager, resource: ResourceManager,
                 assignment: AssignmentManager) -> None:
        self.db = db
        self.users = users
        self.resource = resource
        self.assignment = assignment

    # -- reading ----------------------------------------------------------------------------
    def get(self, trust_id: str, for_token: bool = False) -> Trust:
        """A live trust; with ``for_token`` an exhausted one still counts (its tokens stay good)."""
        with self.db.reader() as s:
            row = s.get(Trust, trust_id)
        now = utcnow()
        if for_token and row is not None and row.deleted_at is None and (
                row.expires_at is None or row.expires_at > now):
            return row
        if row is None or not _usable(row, now):
            raise NotFound(resource="trust", id=trust_id)
        return row

    def list_trusts(self, trustor_user_id: str | None = None,
             trustee_user_id: str | None = None) -> list[Trust]:
        with self.db.reader() as s:
            rows = q.list_trusts(s, trustor_user_id, trustee_user_id)
        now = utcnow()
        return [r for r in rows if _usable(r, now)]

    def chain(self, trust: Trust) -> list[Trust]:
        """The trust and every trust it was redelegated from, the original last."""
        out = [trust]
        seen = {trust.id}
        with self.db.reader() as s:
            while out[-1].redelegated_trust_id and out[-1].redelegated_trust_id not in seen:
                parent = s.get(Trust, out[-1].redelegated_trust_id)
                if parent is None:
                    break
                seen.add(parent.id)
                out.append(parent)
        return out

    def effective_role_ids(self, trust: Trust) -> set[str]:
        """The trust's roles the original trustor still holds on the project (implied included)."""
        if not trust.project_id:
            return set()
        original = self.chain(trust)[-1]
        held = self.assignment.roles_for(original.trustor_user_id,
                                         self.users.group_ids_of(original.trustor_user_id),
                                         "project", trust.project_id)
        delegated = {r for r in trust.roles if r in held}
        return self.assignment.expand(delegated) if delegated else set()

    # -- creating ---------------------------------------------------------------------------
    def create(self, req: TrustRequest, parent: Trust | None = None) -> Trust:
        if req.remaining_uses is not None and req.remaining_uses <= 0:
            raise BadRequest("Invalid input for field 'remaining_uses': must be a positive "
                             "integer or null.")
        if req.expires_at is not None and req.expires_at <= utcnow():
            raise BadRequest("Invalid input for field 'expires_at': it is in the past.")
        if req.redelegation_count is not None and not (
                0 <= req.redelegation_count <= MAX_REDELEGATION_COUNT):
            raise Forbidden(f"Remaining redelegation depth of {req.redelegation_count} out of "
                            f"allowed range of [0..{MAX_REDELEGATION_COUNT}].")
        self.users.get_user(req.trustee_user_id)
        if req.project_id:
            self.resource.get_project(req.project_id)
        if parent is not None:
            count = self._check_redelegation(parent, req)
        else:
            count = (req.redelegation_count if req.redelegation_count is not None
                     else MAX_REDELEGATION_COUNT) if req.allow_redelegation else 0
            self._check_trustor_holds(req.trustor_user_id, req.project_id, req.role_ids)
        return self._insert(req, count, parent.id if parent else None)

    def _check_trustor_holds(self, trustor: str, project_id: str | None,
                             role_ids: list[str]) -> None:
        if not project_id:
            return
        held = self.assignment.roles_for(trustor, self.users.group_ids_of(trustor),
                                            "project", project_id)
        for role_id in role_ids:
            if role_id not in held:
                raise NotFound(resource="role", id=role_id)

    def _check_redelegation(self, parent: Trust, req: TrustRequest) -> int:
        for link in self.chain(parent):
            if not link.allow_redelegation or link.redelegation_count <= 0:
                raise Forbidden(f"Trust {link.id} does not allow redelegation.")
        if req.remaining_uses is not None:
            raise Forbidden(f'Field "remaining_uses" is set to {req.remaining_uses} while it '
                            f'must not be set in order to redelegate a trust.')
        if parent.expires_at is not None:
            if req.expires_at is None:
                req.expires_at = parent.expires_at
            elif req.expires_at > parent.expires_at:
                raise Forbidden("Requested expiration time is more than redelegated trust can "
                                "provide.")
        if req.project_id != parent.project_id:
            raise Forbidden("A redelegated trust must be on the same project.")
        if not set(req.role_ids) <= set(parent.roles):
            raise Forbidden("Some of requested roles are not in redelegated trust.")
        if req.impersonation and not parent.impersonation:
            raise Forbidden(f"Impersonation is not allowed because redelegated trust does not "
                            f"specify impersonation. Redelegated trust id: {parent.id}")
        remaining = parent.redelegation_count - 1
        if req.redelegation_count is not None and req.redelegation_count > remaining:
            raise Forbidden(f"Remaining redelegation depth of {req.redelegation_count} out of "
                            f"allowed range of [0..{remaining}].")
        if not req.allow_redelegation:
            return 0
        return remaining if req.redelegation_count is None else req.redelegation_count

    @retry_on_lock()
    def _insert(self, req: TrustRequest, count: int, parent_id: str | None) -> Trust:
        with self.db.writer() as s:
            row = Trust(id=new_hex_id(), trustor_user_id=req.trustor_user_id,
                        trustee_user_id=req.trustee_user_id, project_id=req.project_id,
                        impersonation=req.impersonation, expires_at=req.expires_at,
                        remaining_uses=req.remaining_uses, redelegated_trust_id=parent_id,
                        redelegation_count=count,
                        allow_redelegation=bool(req.allow_redelegation and count > 0),
                        roles=list(dict.fromkeys(req.role_ids)), extra={})
            s.add(row)
        return row

    # -- using ------------------------------------------------------------------------------
    @retry_on_lock()
    def consume_use(self, trust_id: str) -> None:
        """Count one token issued through the trust; 403 once no uses remain."""
        with self.db.writer() as s:
            row = s.get(Trust, trust_id)
            if row is None or not _usable(row, utcnow()):
                raise NotFound(resource="trust", id=trust_id)
            if row.remaining_uses is None:
                return
            # Compare-and-set, so two concurrent token requests cannot both take the last use.
            if not q.take_use(s, trust_id, row.remaining_uses):
                raise Forbidden(f"Number of usages of trust {trust_id} exhausted.")

    def authorize(self, caller: User, trust_id: str) -> tuple[Trust, User]:
        """Check ``caller`` may use the trust now; the trust and the user its tokens are for."""
        trust = self.get(trust_id)
        if caller.id != trust.trustee_user_id:
            raise Forbidden("User is not a trustee.")
        trustor = self.users.get_user(trust.trustor_user_id)
        if not trustor.enabled:
            raise Forbidden("Trustor is disabled.")
        if trust.project_id:
            project = self.resource.get_project(trust.project_id)
            if not project.enabled:
                raise Unauthorized(f"Project {project.id} is disabled.")
            if not self.effective_role_ids(trust):
                raise Forbidden("Trustee has no delegated roles.")
        return trust, (trustor if trust.impersonation else caller)

    def render_into(self, trust_id: str, user_id: str, body: dict[str, Any]) -> set[str]:
        """Add ``OS-TRUST:trust`` to a token body; the role ids the token carries.

        Raises NotFound when the trust is gone or no longer fits the token, so that validation
        refuses every token of a deleted or expired trust.
        """
        trust = self.get(trust_id, for_token=True)
        expected = trust.trustor_user_id if trust.impersonation else trust.trustee_user_id
        if user_id != expected:
            raise NotFound(resource="trust", id=trust_id)
        for uid in {trust.trustor_user_id, trust.trustee_user_id}:
            if not self.users.get_user(uid).enabled:
                raise NotFound(f"User {uid} is disabled.")
        body["OS-TRUST:trust"] = {"id": trust.id, "impersonation": trust.impersonation,
                                  "trustor_user": {"id": trust.trustor_user_id},
                                  "trustee_user": {"id": trust.trustee_user_id}}
        roles = self.effective_role_ids(trust)
        if trust.project_id and not roles:
            raise NotFound("Trustee has no delegated roles.")
        return roles

    # -- deleting ---------------------------------------------------------------------------
    @retry_on_lock()
    def delete(self, trust_id: str) -> list[str]:
        """Soft-delete a trust and every trust redelegated from it; the ids deleted."""
        deleted: list[str] = []
        with self.db.writer() as s:
            row = s.get(Trust, trust_id)
            if row is None or row.deleted_at is not None:
                raise NotFound(resource="trust", id=trust_id)
            todo = [row]
            now = utcnow()
            while todo:
                current = todo.pop()
                current.deleted_at = now
                deleted.append(current.id)
                todo.extend(q.redelegated_from(s, current.id))
        return deleted

    @retry_on_lock()
    def delete_for_user(self, user_id: str) -> None:
        """A deleted user's trusts go with them, in both directions."""
        with self.db.writer() as s:
            q.delete_trusts_of(s, user_id, utcnow())

