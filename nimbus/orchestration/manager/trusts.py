"""The trust a stack's engine acts through: made at stack creation with the creator's token,
delegating their roles on the project to the orchestration service's user, so that work which
outlives the request (a long create, a later scaling signal) never uses that token."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.errors import Forbidden, NimbusError
from nimbus.orchestration.constants import SERVICE_USER


class Trusts:
    def __init__(self, platform: Any) -> None:
        self.platform = platform

    def _trustee(self) -> str:
        return str(self.platform.creds.session(SERVICE_USER).get_user_id())

    def create(self, ctx: RequestContext) -> str | None:
        if self.platform is None:
            return None
        from nimbus.clients.identity import IdentityClient

        if ctx.trust_id:
            # A trust-scoped caller (a nested service) cannot delegate again; Heat refuses
            # such a chain too, unless the trust allows redelegation.
            raise Forbidden("A stack cannot be created with a trust-scoped token.")
        client = IdentityClient(self.platform, SERVICE_USER).acting_for(ctx.auth_token,
                                                                        ctx.project_id)
        body = {"trust": {"trustor_user_id": ctx.user_id, "trustee_user_id": self._trustee(),
                          "project_id": ctx.project_id, "impersonation": True,
                          "roles": [{"name": r} for r in ctx.roles]}}
        try:
            made = client.post("/OS-TRUST/trusts", body)
        except NimbusError as exc:
            raise Forbidden(f"The stack's trust could not be made: {exc.message}") from None
        return str(made["trust"]["id"])
