"""What every orchestration route shares: the ``/v1/{tenant_id}`` prefix (checked against the
token's project), the base of links, and finding the stack a path names."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from nimbus.core.api.routing import ApiRequest, H, Handler, Router
from nimbus.core.errors import Forbidden
from nimbus.orchestration.db.models import Stack
from nimbus.orchestration.state import OrchestrationState

Req = ApiRequest[OrchestrationState]


class HeatRouter(Router):
    """Routes below ``/v1/{tenant_id}``; the tenant must be the token's (or the caller an
    administrator), as Heat's API checks."""

    def route(self, path: str, methods: list[str], **options: Any) -> Callable[[H], H]:
        def register(func: H) -> H:
            super(HeatRouter, self).route(f"/v1/{{tenant_id}}{path}", methods,
                                          **options)(_checking_tenant(func))
            return func

        return register


def _checking_tenant(func: Handler) -> Handler:
    @functools.wraps(func)
    def handler(req: Req) -> Any:
        tenant = req.params.get("tenant_id")
        if tenant != req.ctx.project_id and not req.ctx.is_admin:
            raise Forbidden("You are not authorized to complete this action.",
                            heat_type="Forbidden")
        return func(req)

    return handler


def base(req: Req) -> str:
    return f"{req.service_url}/v1/{req.params['tenant_id']}"


def tenant(req: Req) -> str:
    return str(req.params["tenant_id"])


def find(req: Req, rule: str, deleted: bool = False) -> Stack:
    """The stack the path names (``{stack_name}/{stack_id}`` or one of them), policy
    checked against its project."""
    ident = req.params.get("stack_id") or req.params["stack_name"]
    row = req.svc.stacks.get(tenant(req), ident, deleted)
    name = req.params.get("stack_name")
    if name and req.params.get("stack_id") and name not in (row.name, row.id):
        from nimbus.orchestration.template.errors import EntityNotFound

        raise EntityNotFound(entity="Stack", name=name)
    req.enforce(rule, target={"project_id": row.project_id})
    return row


def flag(req: Req, name: str) -> bool:
    value = req.query.get(name)
    return value is not None and value.lower() in ("true", "1", "yes", "")
