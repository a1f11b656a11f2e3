"""``POST /v3/auth/tokens``: run the requested auth methods, settle the scope, issue a token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nimbus.core.errors import BadRequest, Forbidden, NotFound, Unauthorized
from nimbus.identity.db.models import User
from nimbus.identity.manager.assignment import AssignmentManager
from nimbus.identity.manager.auth_methods.base import (
    REQUEST_HEADERS,
    AuthMethod,
    AuthResult,
    require,
)
from nimbus.identity.manager.auth_methods.refs import References
from nimbus.identity.manager.domain_users import DomainUserManager
from nimbus.identity.manager.receipts import Receipts
from nimbus.identity.manager.resource import ResourceManager
from nimbus.identity.manager.tokens import Issued, TokenManager
from nimbus.identity.manager.trusts import TrustManager


@dataclass
class AuthDeps:
    """The managers an authentication consults once the methods have run."""

    refs: References
    receipts: Receipts
    resource: ResourceManager
    users: DomainUserManager
    assignment: AssignmentManager
    trusts: TrustManager
    tokens: TokenManager


class Authenticator:
    def __init__(self, methods: Mapping[str, AuthMethod], deps: AuthDeps) -> None:
        self.methods = dict(methods)
        self.deps = deps

    def authenticate(self, body: Any, include_catalog: bool = True) -> Issued:
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        auth = require(body, "auth")
        identity = require(auth, "identity")
        methods = require(identity, "methods")
        if not isinstance(methods, list) or not methods or not all(
                isinstance(m, str) for m in methods):
            raise BadRequest("Invalid input for field 'identity.methods': a non-empty list of "
                             "method names.")
        unknown = sorted(set(methods) - set(self.methods))
        if unknown:
            raise Unauthorized(f"Attempted to authenticate with an unsupported method: "
                               f"{unknown}.")
        result = AuthResult()
        for name in methods:
            data = identity.get(name)
            if not isinstance(data, dict):
                raise BadRequest(f"Invalid input for field 'identity.{name}': it is required.")
            self.methods[name].authenticate(data, result)
        user = result.user
        if user is None:
            raise Unauthorized("The request you have made requires authentication.")
        methods = self.deps.receipts.enforce(user, list(methods), set(self.methods),
                                           REQUEST_HEADERS.get())
        scope, scope_id = self._scope(auth.get("scope"), user, result.app_cred is not None)
        if result.app_cred is not None:
            scope, scope_id = "project", result.app_cred.project_id
        elif scope == "unscoped" and result.token_scope and auth.get("scope") is None:
            scope, scope_id = result.token_scope
        trust = None
        if scope == "trust":
            if result.app_cred is not None or result.extras.get("federation"):
                raise Forbidden("Trust scoping is not allowed with this auth method.")
            trust, user = self.deps.trusts.authorize(user, str(scope_id))
            scope, scope_id = ("project", trust.project_id) if trust.project_id else (
                "unscoped", None)
            if trust.expires_at is not None and (result.expires_at is None
                                                 or trust.expires_at < result.expires_at):
                result.expires_at = trust.expires_at
        federation = result.extras.get("federation")
        if scope != "unscoped" and trust is None:
            self._check_scope(user, scope, scope_id,
                              federation["groups"] if federation else None)
        # A rescoped token keeps the methods that proved the original one (Keystone's union).
        methods = list(dict.fromkeys([*result.extras.get("prior_methods", []), *methods]))
        issued = self.deps.tokens.issue(user, list(methods), scope, scope_id,
                                      result.parent_audit_id, result.expires_at,
                                      result.app_cred.id if result.app_cred else None,
                                      include_catalog, federation=federation,
                                      trust_id=trust.id if trust else None)
        if trust is not None:
            # A use is counted only once the token exists, as Keystone does.
            self.deps.trusts.consume_use(trust.id)
        return issued

    def _scope(self, scope: Any, user: User, is_app_cred: bool) -> tuple[str, str | None]:
        if scope is None:
            return self._default_scope(user, is_app_cred)
        if scope == "unscoped":
            return "unscoped", None
        if not isinstance(scope, dict):
            raise BadRequest("Invalid input for field 'scope'.")
        if "project" in scope:
            ref = scope["project"]
            if not isinstance(ref, dict):
                raise BadRequest("Invalid input for field 'scope.project'.")
            try:
                if ref.get("id"):
                    return "project", self.deps.resource.get_project(str(ref["id"])).id
                name = require(ref, "name")
                domain_id = self.deps.refs.domain_id(require(ref, "domain"))
                return "project", self.deps.resource.get_project_by_name(str(name), domain_id).id
            except NotFound:
                raise Unauthorized("The request you have made requires authentication.") from None
        if "domain" in scope:
            domain_id = self.deps.refs.domain_id(scope["domain"])
            try:
                self.deps.resource.get_domain(domain_id)
            except NotFound:
                raise Unauthorized(f"Could not find domain: {domain_id}.") from None
            return "domain", domain_id
        if "system" in scope:
            return "system", "all"
        if "OS-TRUST:trust" in scope:
            ref = scope["OS-TRUST:trust"]
            if not isinstance(ref, dict) or not ref.get("id"):
                raise BadRequest("Invalid input for field 'scope.OS-TRUST:trust.id': it is "
                                 "required.")
            return "trust", str(ref["id"])
        raise BadRequest("Invalid input for field 'scope'.")

    def _default_scope(self, user: User, is_app_cred: bool) -> tuple[str, str | None]:
        """A user's default project, when they still have a role on it; else unscoped."""
        if user.default_project_id and not is_app_cred:
            try:
                project = self.deps.resource.get_project(user.default_project_id)
                groups = self.deps.users.group_ids_of(user.id)
                if project.enabled and self.deps.assignment.roles_for(
                        user.id, groups, "project", project.id):
                    return "project", project.id
            except NotFound:
                pass
        return "unscoped", None

    def _check_scope(self, user: User, scope: str, scope_id: str | None,
                     mapped_groups: list[str] | None = None) -> None:
        groups = self.deps.users.group_ids_of(user.id) + list(mapped_groups or [])
        if scope == "project" and scope_id:
            project = self.deps.resource.get_project(scope_id)
            domain = self.deps.resource.get_domain(project.domain_id)
            if not project.enabled or not domain.enabled:
                raise Unauthorized(f"Project {project.id} is disabled.")
        if not self.deps.assignment.roles_for(user.id, groups, scope, scope_id):
            raise Unauthorized(f"User {user.id} has no access to {scope} {scope_id or ''}".strip())
