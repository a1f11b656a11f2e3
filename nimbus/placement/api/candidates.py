"""/allocation_candidates (1.10+): where a request for resources could land, for the scheduler."""

from __future__ import annotations

from typing import Any

from nimbus.core import errors
from nimbus.core.api.routing import ApiRequest, Router
from nimbus.placement.api.query import GROUP_STEMS, check_query, group_from_query, parse_traits
from nimbus.placement.errors import QUERY_DUPLICATE_KEY, QUERY_MISSING_VALUE, QueryBadValue
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


def _same_subtrees(req: ApiRequest[PlacementState]) -> list[set[str]]:
    found = []
    for value in req.query.getlist("same_subtree"):
        suffixes = {part.strip() for part in value.split(",")}
        if "" in suffixes:
            raise QueryBadValue("Empty string (unsuffixed group) can not be specified in "
                                "`same_subtree` ")
        found.append(suffixes)
    return found


def _check_groups(req: ApiRequest[PlacementState], groups: dict[str, RequestGroup],
                  same_subtrees: list[set[str]]) -> None:
    """Groups without resources: named in a same_subtree from 1.36, refused before."""
    if req.at_least("1.36"):
        resourceless = [suffix for suffix, g in groups.items() if not g.resources]
        if len(resourceless) == len(groups):
            raise errors.BadRequest("There must be at least one resources or resources[$S] "
                                    "parameter.", error_code=QUERY_MISSING_VALUE)
        named = set().union(*same_subtrees)
        bad = [suffix for suffix in resourceless if suffix not in named]
        if bad:
            raise QueryBadValue(f"Resourceless suffixed group request should be specified in "
                                f"`same_subtree` query param: bad group(s) - {bad}.")
        unknown = [suffix for suffix in sorted(named) if suffix not in groups]
        if unknown:
            raise QueryBadValue(f"Real suffixes should be specified in `same_subtree`: "
                                f"{unknown} not found in {list(groups)}.")
        return
    orphans = [f"required{suffix}" for suffix, g in groups.items()
               if g.required_traits and not g.resources]
    if orphans:
        raise errors.BadRequest("All traits parameters must be associated with resources.  "
                                "Found the following orphaned traits keys: "
                                + ", ".join(orphans))
    orphans = [f"member_of{suffix}" for suffix, g in groups.items()
               if not g.resources and (g.member_of or g.forbidden_aggregates)]
    if orphans:
        raise errors.BadRequest("All member_of parameters must be associated with resources. "
                                "Found the following orphaned member_of keys: "
                                + ", ".join(orphans))
    if not all(g.resources for g in groups.values()):
        raise errors.BadRequest("All request groups must specify resources.")
    if not groups:
        raise errors.BadRequest("At least one request group (`resources` or `resources{$S}`) "
                                "is required.")


def _check_conflicts(groups: dict[str, RequestGroup]) -> None:
    conflicts = sorted(f"required{suffix}: ({', '.join(sorted(any_of))})"
                       for suffix, g in groups.items() for any_of in g.required_traits
                       if any_of <= g.forbidden_traits)
    if conflicts:
        raise errors.BadRequest("Conflicting required and forbidden traits found in the "
                                "following traits keys: " + ", ".join(conflicts))


def _parse(req: ApiRequest[PlacementState]) -> tuple[CandidateRequest, set[str]]:
    allowed = {name for name, since in _SINCE.items() if req.at_least(since)}
    repeatable = {"limit", "group_policy", "same_subtree", "resources", "in_tree", "required",
                  "member_of"}
    check_query(req, allowed, repeatable=repeatable, granular=True)
    if "resources" not in req.query and not req.at_least("1.25"):
        raise errors.BadRequest("Invalid query string parameters: 'resources' is a required "
                                "property", error_code=QUERY_MISSING_VALUE)
    groups: dict[str, RequestGroup] = {}
    for suffix in _suffixes(req):
        if any(f"{stem}{suffix}" in req.query for stem in GROUP_STEMS):
            groups[suffix] = group_from_query(req, suffix)
    same_subtrees = _same_subtrees(req) if req.at_least("1.36") else []
    _check_groups(req, groups, same_subtrees)
    if req.at_least("1.22"):
        _check_conflicts(groups)
    policies = req.query.getlist("group_policy")
    policy = policies[0] if policies else None
    if policy is None and len([s for s in groups if s]) > 1:
        raise errors.BadRequest('The "group_policy" parameter is required when specifying more '
                                'than one "resources{N}" parameter.')
    limits = req.query.getlist("limit")
    request = CandidateRequest(groups=list(groups.values()), group_policy=policy,
                               limit=int(limits[0]) if limits else None,
                               same_subtrees=same_subtrees, nested_aware=req.at_least("1.29"))
    roots = req.query.getlist("root_required")
    if len(roots) > 1:
        raise errors.BadRequest("Query parameter 'root_required' may be specified only once.",
                                error_code=QUERY_DUPLICATE_KEY)
    if roots:
        request.root_required, request.root_forbidden = parse_traits(req, roots,
                                                                      "root_required")
        conflicts = sorted(t for any_of in request.root_required for t in any_of
                           if t in request.root_forbidden)
        if conflicts:
            raise QueryBadValue(f"Conflicting required and forbidden traits found in "
                                f"root_required: {', '.join(conflicts)}")
    requested = {rc for g in groups.values() for rc in g.resources}
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
