"""A security group's rules: the rule editor (each rule deleted from its row, new ones added
with the group's Add Rule form)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from nimbus.core.errors import NimbusError
from nimbus.dashboard.api.pages import Pages, error_page
from nimbus.dashboard.api.render import page
from nimbus.dashboard.manager.sessions import Signed


def rules(p: Pages, request: Request, body: bytes, signed: Signed) -> Response:
    group_id = request.path_params["group_id"]
    try:
        group = p.user(signed).get("network", f"/v2.0/security-groups/{group_id}")[
            "security_group"]
    except NimbusError as exc:
        return error_page(p, signed, exc)
    ordered = sorted(group.get("security_group_rules", []),
                     key=lambda r: (r.get("direction", ""), r.get("protocol") or "",
                                    r.get("port_range_min") or 0))
    return page("security_group.html", **p.base(signed, section="project/security_groups",
                                                group=group, rules=ordered))
