"""``POST /v3/auth/tokens``: turn an auth request into an issued token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.core.errors import BadRequest, NotFound, Unauthorized
from nimbus.identity.db.models import User
from nimbus.identity.fernet import decode
from nimbus.identity.managers.tokens import Issued, require

if TYPE_CHECKING:
    from nimbus.identity.manager import IdentityState

SUPPORTED = {"password", "token", "application_credential"}


class Authenticator:
    def __init__(self, state: IdentityState) -> None:
        self.st = state

    def _domain_id(self, ref: dict[str, Any]) -> str:
        if not isinstance(ref, dict):
            raise BadRequest("Invalid input for field 'domain': expected an object.")
        if ref.get("id"):
            return str(ref["id"])
        if ref.get("name"):
            try:
                return self.st.resource.get_domain_by_name(str(ref["name"])).id
            except NotFound:
                raise Unauthorized(f"Could not find domain: {ref['name']}.") from None
        raise BadRequest("Invalid input for field 'domain': id or name is required.")

    def _user_ref(self, ref: dict[str, Any]) -> User:
        try:
            if ref.get("id"):
                return self.st.users.get_user(str(ref["id"]))
            if ref.get("name"):
                return self.st.users.get_user_by_name(str(ref["name"]),
                                                      self._domain_id(require(ref, "domain")))
        except NotFound:
            raise Unauthorized("The request you have made requires authentication.") from None
        raise BadRequest("Invalid input for field 'user': id or name is required.")

    def authenticate(self, body: Any, include_catalog: bool = True) -> Issued:
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        auth = require(body, "auth")
        identity = require(auth, "identity")
        methods = require(identity, "methods")
        if not isinstance(methods, list) or not methods:
            raise BadRequest("Invalid input for field 'identity.methods': a non-empty list.")
        unknown = set(methods) - SUPPORTED
        if unknown:
            raise Unauthorized(f"Attempted to authenticate with an unsupported method: "
                               f"{sorted(unknown)}.")
        parent_audit = None
        expires = None
        app_cred = None
        user: User | None = None
        scope_from_token: tuple[str, str | None] | None = None
        if "password" in methods:
            ref = require(identity, "password", "user")
            user = self._user_ref(ref)
            password = ref.get("password")
            if not isinstance(password, str):
                raise BadRequest("Invalid input for field 'password.user.password': required.")
            domain = self.st.resource.get_domain(user.domain_id)
            if not domain.enabled:
                raise Unauthorized(f"Domain {domain.id} is disabled.")
            user = self.st.users.authenticate(user.id, password)
        if "token" in methods:
            token_id = require(identity, "token", "id")
            # An invalid or revoked token is a 404 here, as Keystone answers.
            self.st.tokens.validate(str(token_id), include_catalog=False)
            payload = decode(self.st.keys, str(token_id))
            user = self.st.users.get_user(payload.user_id)
            parent_audit = payload.audit_ids[-1] if len(payload.audit_ids) > 1 else \
                payload.audit_ids[0]
            expires = payload.expires_at
            if payload.app_cred_id:
                raise Unauthorized("Tokens from application credentials cannot be rescoped.")
            if payload.scope != "unscoped":
                scope_from_token = (payload.scope, payload.scope_id)
        if "application_credential" in methods:
            ref = require(identity, "application_credential")
            secret = require(ref, "secret")
            try:
                if ref.get("id"):
                    app_cred = self.st.app_creds.get(str(ref["id"]))
                else:
                    owner = self._user_ref(require(ref, "user"))
                    app_cred = self.st.app_creds.find(owner.id, str(require(ref, "name")))
            except NotFound:
                raise Unauthorized("The request you have made requires authentication.") from None
            if not self.st.app_creds.verify(app_cred, str(secret)):
                raise Unauthorized("The request you have made requires authentication.")
            user = self.st.users.get_user(app_cred.user_id)
            if not user.enabled:
                raise Unauthorized(f"User {user.id} is disabled.")
            expires = app_cred.expires_at
        assert user is not None
        scope, scope_id = self._scope(auth.get("scope"), user, app_cred is not None)
        if app_cred is not None:
            scope, scope_id = "project", app_cred.project_id
        elif scope == "unscoped" and scope_from_token and auth.get("scope") is None:
            scope, scope_id = scope_from_token
        if scope != "unscoped":
            self._check_scope(user, scope, scope_id)
        return self.st.tokens.issue(user, list(methods), scope, scope_id, parent_audit, expires,
                                    app_cred.id if app_cred else None, include_catalog)

    def _scope(self, scope: Any, user: User, is_app_cred: bool) -> tuple[str, str | None]:
        if scope is None:
            if user.default_project_id and not is_app_cred:
                try:
                    project = self.st.resource.get_project(user.default_project_id)
                    groups = self.st.users.group_ids_of(user.id)
                    if project.enabled and self.st.assignment.roles_for(
                            user.id, groups, "project", project.id):
                        return "project", project.id
                except NotFound:
                    pass
            return "unscoped", None
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
                    return "project", self.st.resource.get_project(str(ref["id"])).id
                name = require(ref, "name")
                return "project", self.st.resource.get_project_by_name(
                    str(name), self._domain_id(require(ref, "domain"))).id
            except NotFound:
                raise Unauthorized("The request you have made requires authentication.") from None
        if "domain" in scope:
            domain_id = self._domain_id(scope["domain"])
            try:
                self.st.resource.get_domain(domain_id)
            except NotFound:
                raise Unauthorized(f"Could not find domain: {domain_id}.") from None
            return "domain", domain_id
        if "system" in scope:
            return "system", "all"
        if "OS-TRUST:trust" in scope:
            raise Unauthorized("Trust scoping is not enabled yet.")
        raise BadRequest("Invalid input for field 'scope'.")

    def _check_scope(self, user: User, scope: str, scope_id: str | None) -> None:
        groups = self.st.users.group_ids_of(user.id)
        if scope == "project" and scope_id:
            project = self.st.resource.get_project(scope_id)
            domain = self.st.resource.get_domain(project.domain_id)
            if not project.enabled or not domain.enabled:
                raise Unauthorized(f"Project {project.id} is disabled.")
        if not self.st.assignment.roles_for(user.id, groups, scope, scope_id):
            raise Unauthorized(f"User {user.id} has no access to {scope} {scope_id or ''}".strip())
