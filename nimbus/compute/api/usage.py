"""``/os-simple-tenant-usage`` (what projects' servers used over a period) and
``/os-instance_usage_audit_log``."""

from __future__ import annotations

from typing import Any

from nimbus.compute.api.common import V, next_links
from nimbus.compute.manager.usage import UsageReport, parse_before, period
from nimbus.compute.schemas import usage as schemas
from nimbus.compute.state import ComputeState
from nimbus.core.api import paging
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.db.paging import PageQuery

router = Router()
USAGE = f"{V}/os-simple-tenant-usage"
# Nova spells this path with underscores (its policy names use dashes).
AUDIT = f"{V}/os-instance_usage_audit_log"


def _report(req: ApiRequest[ComputeState], project_id: str | None,
            detailed: bool) -> UsageReport:
    begin, stop = period(req.args.get("start"), req.args.get("end"))
    # Paging is from 2.40; before, a report holds at most one full page of servers.
    query = PageQuery(limit=paging.limit_of(req), marker=req.args.get("marker")) \
        if req.at_least("2.40") else PageQuery()
    return req.svc.usage.report(begin, stop, project_id, detailed, query)


def _links(req: ApiRequest[ComputeState], report: UsageReport) -> list[dict[str, Any]]:
    if not req.at_least("2.40"):
        return []
    return next_links(req, report.servers, lambda s: str(s["instance_id"]))


@router.get(USAGE, query=schemas.LIST_QUERY)
def index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Report every project's usage over a period."""
    req.enforce("os_compute_api:os-simple-tenant-usage:list")
    report = _report(req, None, req.args.get("detailed") == "1")
    result: dict[str, Any] = {"tenant_usages": [schemas.tenant_usage(t) for t in report.tenants]}
    links = _links(req, report)
    if links:
        result["tenant_usages_links"] = links
    return result


@router.get(f"{USAGE}/{{tenant_id}}", query=schemas.SHOW_QUERY)
def show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Report one project's usage over a period, server by server."""
    tenant_id = req.params["tenant_id"]
    req.enforce("os_compute_api:os-simple-tenant-usage:show", {"project_id": tenant_id})
    report = _report(req, tenant_id, True)
    usage = schemas.tenant_usage(report.tenants[0]) if report.tenants else {}
    result: dict[str, Any] = {"tenant_usage": usage}
    links = _links(req, report)
    if links:
        result["tenant_usage_links"] = links
    return result


@router.get(AUDIT)
def audit_index(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show the usage audit of the last completed period."""
    req.enforce("os_compute_api:os-instance-usage-audit-log:list")
    return {"instance_usage_audit_logs": req.svc.usage.audit_log()}


@router.get(f"{AUDIT}/{{before_timestamp}}")
def audit_show(req: ApiRequest[ComputeState]) -> dict[str, Any]:
    """Show the usage audit of the last period completed before a time."""
    req.enforce("os_compute_api:os-instance-usage-audit-log:show")
    before = parse_before(req.params["before_timestamp"])
    return {"instance_usage_audit_log": req.svc.usage.audit_log(before)}
