"""The request context: who is calling, in which scope, and what they may do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


def new_request_id() -> str:
    return f"req-{uuid.uuid4()}"


@dataclass
class RequestContext:
    request_id: str = field(default_factory=new_request_id)
    user_id: str | None = None
    user_name: str | None = None
    user_domain_id: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    project_domain_id: str | None = None
    domain_id: str | None = None
    domain_name: str | None = None
    system_scope: str | None = None
    roles: list[str] = field(default_factory=list)
    auth_token: str | None = None
    audit_ids: list[str] = field(default_factory=list)
    catalog: list[dict[str, Any]] = field(default_factory=list)
    app_cred_id: str | None = None
    # None: unrestricted; a list: the only requests this token may make.
    access_rules: list[dict[str, Any]] | None = None
    trust_id: str | None = None
    token_expires_at: str | None = None
    authenticated: bool = False
    enforced: bool = False
    # The roles of a valid ``X-Service-Token`` sent beside the user's token: another service
    # acting for the user (Nova for Cinder) says so with its own token.
    service_roles: list[str] = field(default_factory=list)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_service(self) -> bool:
        """Whether a service makes the request, with its own token or a service token."""
        return "service" in self.roles or "service" in self.service_roles

    @property
    def is_reader_only(self) -> bool:
        return "member" not in self.roles and "admin" not in self.roles

    def creds(self) -> dict[str, Any]:
        """The credential dict oslo.policy checks rules against."""
        return {
            "user_id": self.user_id,
            "project_id": self.project_id,
            "domain_id": self.domain_id,
            "user_domain_id": self.user_domain_id,
            "project_domain_id": self.project_domain_id,
            "system_scope": self.system_scope,
            "roles": list(self.roles),
            "is_admin_project": True,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for the bus; never carries the token itself."""
        return {
            "request_id": self.request_id,
            "user_id": self.user_id,
            "project_id": self.project_id,
            "domain_id": self.domain_id,
            "system_scope": self.system_scope,
            "roles": list(self.roles),
            "service_roles": list(self.service_roles),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestContext:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    @classmethod
    def admin(cls, request_id: str | None = None) -> RequestContext:
        """A context for the cloud's own background work."""
        return cls(request_id=request_id or new_request_id(), roles=["admin", "member", "reader"],
                   authenticated=True, system_scope="all")
