"""``/v3/users/{user_id}/access_rules`` and ``/v3/access_rules_config``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.identity.api.common import base, filters
from nimbus.identity.manager.access_rules import rule_view
from nimbus.identity.schemas import queries, views
from nimbus.identity.state import IdentityState

router = Router()


def _link(req: ApiRequest[IdentityState], rule: dict[str, Any]) -> dict[str, Any]:
    rule["links"] = {"self": f"{base(req)}/v3/users/{req.params['user_id']}/access_rules/"
                             f"{rule['id']}"}
    return rule


@router.get("/v3/users/{user_id}/access_rules", query=queries.text("service", "path", "method"))
def list_rules(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List a user's access rules."""
    user_id = req.params["user_id"]
    req.enforce("identity:list_access_rules", {"target.user.id": user_id})
    rows = req.svc.access_rules.list(user_id, filters(req, "service", "path", "method"))
    return views.collection(base(req), f"users/{user_id}/access_rules", "access_rules",
                            [_link(req, rule_view(r)) for r in rows])


@router.get("/v3/users/{user_id}/access_rules/{rule_id}")
def show_rule(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show an access rule."""
    user_id = req.params["user_id"]
    req.enforce("identity:get_access_rule", {"target.user.id": user_id})
    row = req.svc.access_rules.get(user_id, req.params["rule_id"])
    return {"access_rule": _link(req, rule_view(row))}


@router.delete("/v3/users/{user_id}/access_rules/{rule_id}", status=204)
def delete_rule(req: ApiRequest[IdentityState]) -> None:
    """Delete an access rule no application credential uses."""
    user_id = req.params["user_id"]
    req.enforce("identity:delete_access_rule", {"target.user.id": user_id})
    req.svc.access_rules.delete(user_id, req.params["rule_id"])


@router.get("/v3/access_rules_config")
def rules_config(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """The operator's catalogue of allowed access rules."""
    # No operator-supplied catalogue of allowed rules: every rule is permitted, as Keystone's
    # default (permissive) access-rules configuration.
    req.enforce("identity:get_access_rules_config")
    return {}
