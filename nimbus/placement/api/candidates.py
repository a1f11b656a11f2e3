"""/allocation_candidates (1.10+): where a request for resources could land, for the scheduler."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.placement.api.query import GROUP_STEMS, check_query, group_from_query, parse_traits
from nimbus.placement.manager.candidates import CandidateRequest, CandidateResult, RequestGroup
from nimbus.placement.schemas import queries
from nimbus.placement.state import PlacementState

router = Router()

# The microversion each parameter appeared in.
_SINCE = {"resources": "1.10", "limit": "1.16", "required": "1.17", "member_of": "1.21",
          "group_policy": "1.25", "in_tree": "1.31", "root_required": "1.35",
          "same_subtree": "1.36"}


def _suffixes(req: ApiRequest[PlacementState]) -> list[str]:
    found = {""}
    for key in req.query:
        for stem in GROUP_STEMS:
            if key.startswith(stem) and key != stem and req.at_least("1.25"):
                found.add(key[len(stem):])
    return sorted(found)


def _parse(req: ApiRequest[PlacementState]) -> tuple[CandidateRequest, set[str]]:
    allowed = {name for name, since in _SINCE.items() if req.at_least(since)}
    check_query(req, allowed, repeatable={"member_of"} if req.at_least("1.24") else set(),
                granular=True)
    groups: list[RequestGroup] = []
    for suffix in _suffixes(req):
        group = group_from_query(req, suffix)
        if suffix and not group.resources:
            raise errors.BadRequest(
                f"All request groups must specify resources. Request group '{suffix}' does not.",
                error_code="placement.query.missing_value")
        if suffix or group.resources or group.required_traits or group.member_of:
            groups.append(group)
    if not any(g.resources for g in groups):
        raise errors.BadRequest("Invalid query string parameters: 'resources' is a required "
                                "property", error_code="placement.query.missing_value")
    suffixed = [g for g in groups if g.suffix]
    policy = req.args.get("group_policy")
    if len(suffixed) > 1 and policy is None and not req.at_least("1.33"):
        raise errors.BadRequest('The "group_policy" parameter is required when specifying more '
                                'than one "resources{N}" parameter.')
    limit = req.args.get("limit")
    request = CandidateRequest(groups=groups, group_policy=policy,
                               limit=int(limit) if limit is not None else None)
    if "root_required" in req.query:
        request.root_required, request.root_forbidden = parse_traits(
            req, req.query.getlist("root_required"), "root_required")
    requested = {rc for g in groups for rc in g.resources}
    return request, requested


def _shape(req: ApiRequest[PlacementState], result: CandidateResult,
           requested: set[str]) -> dict[str, Any]:
    requests: list[dict[str, Any]] = []
    for cand in result.candidates:
        item: dict[str, Any]
        if req.at_least("1.12"):
            item = {"allocations": {u: {"resources": r} for u, r in cand.allocations.items()}}
        else:
            item = {"allocations": [{"resource_provider": {"uuid": u}, "resources": r}
                                    for u, r in cand.allocations.items()]}
        if req.at_least("1.34"):
            item["mappings"] = cand.mappings
        requests.append(item)
    summaries: dict[str, Any] = {}
    for uuid, summary in result.summaries.items():
        resources = summary.resources if req.at_least("1.27") else {
            rc: v for rc, v in summary.resources.items() if rc in requested}
        entry: dict[str, Any] = {"resources": resources}
        if req.at_least("1.17"):
            entry["traits"] = summary.traits
        if req.at_least("1.29"):
            entry["parent_provider_uuid"] = summary.parent_provider_uuid
            entry["root_provider_uuid"] = summary.root_provider_uuid
        summaries[uuid] = entry
    return {"allocation_requests": requests, "provider_summaries": summaries}


@router.get("/allocation_candidates", min_version="1.10", query=queries.CANDIDATES,
            policy="placement:allocation_candidates:list")
def list_candidates(req: ApiRequest[PlacementState]) -> dict[str, Any]:
    """List the providers a request for resources could be allocated from."""
    request, requested = _parse(req)
    return _shape(req, req.svc.candidates.find(request), requested)
