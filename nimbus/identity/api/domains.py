"""``/v3/domains``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.identity.api.common import base, filters, page_query, paged_links
from nimbus.identity.schemas import queries, requests, views
from nimbus.identity.state import IdentityState

router = Router()


@router.post("/v3/domains", status=201, body=requests.DOMAIN_CREATE_BODY, faults=(409,))
def create_domain(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create a domain."""
    req.enforce("identity:create_domain")
    data = req.json["domain"]
    d = req.svc.resource.create_domain(data["name"], data.get("description") or "",
                                       data.get("enabled", True), data.get("id"),
                                       data.get("tags"), data.get("options"))
    return {"domain": views.domain(base(req), d)}


@router.get("/v3/domains", query=queries.DOMAINS)
def list_domains(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List domains; with ``limit`` or ``marker``, one page of them in id order."""
    req.enforce("identity:list_domains")
    st = req.svc
    f = filters(req, "name", "enabled")
    query = page_query(req)
    if query is None:
        rows = st.resource.list_domains(f.get("name"), f.get("enabled"))
        return views.collection(base(req), "domains", "domains",
                                [views.domain(base(req), d) for d in rows])
    page = st.resource.page_domains(query, st.max_db_limit, f.get("name"), f.get("enabled"))
    body = views.collection(base(req), "domains", "domains",
                            [views.domain(base(req), d) for d in page.items])
    return paged_links(req, body, query, page, st.max_db_limit)


@router.get("/v3/domains/{domain_id}")
def get_domain(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a domain."""
    domain_id = req.params["domain_id"]
    req.enforce("identity:get_domain", {"target.domain.id": domain_id})
    return {"domain": views.domain(base(req), req.svc.resource.get_domain(domain_id))}


@router.patch("/v3/domains/{domain_id}", body=requests.DOMAIN_UPDATE_BODY, faults=(409,))
def update_domain(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a domain; disabling it revokes the tokens scoped to it."""
    req.enforce("identity:update_domain")
    data = req.json["domain"]
    d = req.svc.resource.update_domain(req.params["domain_id"], data)
    if data.get("enabled") is False:
        req.svc.revocations.revoke(domain_id=d.id)
    return {"domain": views.domain(base(req), d)}


@router.delete("/v3/domains/{domain_id}", status=204)
def delete_domain(req: ApiRequest[IdentityState]) -> None:
    """Delete a disabled domain and everything in it."""
    req.enforce("identity:delete_domain")
    st = req.svc
    st.resource.delete_domain(req.params["domain_id"])
    st.users.mapping.purge_domain(req.params["domain_id"])
    st.revocations.revoke(domain_id=req.params["domain_id"])
