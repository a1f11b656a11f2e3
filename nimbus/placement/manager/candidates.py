"""Allocation candidates: the ways a request for resources could be satisfied right now.

Today every candidate is a single provider that satisfies all request groups on its own (no
nested trees or sharing providers yet). The request, candidate and summary shapes already carry
groups and per-group mappings, so spreading a candidate over a tree later only changes
``_single_provider_candidates``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database
from nimbus.placement.db.models import ResourceProvider
from nimbus.placement.manager.common import capacity, usages
from nimbus.placement.manager.filters import (
    RequestGroup,
    filter_providers,
    inventories_for,
    matches_traits,
    traits_by_provider,
)


@dataclass
class CandidateRequest:
    groups: list[RequestGroup]
    group_policy: str | None = None
    limit: int | None = None
    root_required: list[frozenset[str]] = field(default_factory=list)
    root_forbidden: set[str] = field(default_factory=set)


@dataclass
class Candidate:
    allocations: dict[str, dict[str, int]]
    mappings: dict[str, list[str]]


@dataclass
class ProviderSummary:
    uuid: str
    resources: dict[str, dict[str, int]]
    traits: list[str]
    parent_provider_uuid: str | None
    root_provider_uuid: str


@dataclass
class CandidateResult:
    candidates: list[Candidate]
    summaries: dict[str, ProviderSummary]


class CandidateManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, request: CandidateRequest) -> CandidateResult:
        with self.db.reader() as s:
            rps = {rp.id: rp for rp in s.scalars(select(ResourceProvider)
                                                 .order_by(ResourceProvider.id))}
            chosen = self._single_provider_candidates(s, request, set(rps))
            if request.root_required or request.root_forbidden:
                roots = {rp_id: rps[rp_id].root_provider_id or rp_id for rp_id in chosen}
                root_traits = traits_by_provider(s, set(roots.values()))
                chosen = [rp_id for rp_id in chosen if matches_traits(
                    root_traits.get(roots[rp_id], set()), request.root_required,
                    request.root_forbidden)]
            if request.limit is not None:
                chosen = chosen[:request.limit]
            candidates = [self._candidate(rps[rp_id], request.groups) for rp_id in chosen]
            return CandidateResult(candidates, self._summaries(s, rps, set(chosen)))

    @staticmethod
    def _single_provider_candidates(s: Session, request: CandidateRequest,
                                    ids: set[int]) -> list[int]:
        suffixed = [g for g in request.groups if g.suffix and g.resources]
        if request.group_policy == "isolate" and len(suffixed) > 1:
            # Isolated groups need distinct providers, which one provider cannot be.
            return []
        for group in request.groups:
            ids = filter_providers(s, group, ids)
            if not ids:
                return []
        combined: dict[str, int] = defaultdict(int)
        for group in request.groups:
            for rc, amount in group.resources.items():
                combined[rc] += amount
        if len([g for g in request.groups if g.resources]) > 1:
            # Each group fitted alone; several groups on one provider must fit together too.
            invs = inventories_for(s, ids, set(combined))
            used = usages(s, ids)
            ids = {rp for rp in ids if all(
                used.get((rp, rc), 0) + amount <= capacity(invs[rp][rc])
                for rc, amount in combined.items())}
        return sorted(ids)

    @staticmethod
    def _candidate(rp: ResourceProvider, groups: list[RequestGroup]) -> Candidate:
        resources: dict[str, int] = defaultdict(int)
        mappings: dict[str, list[str]] = {}
        for group in groups:
            for rc, amount in group.resources.items():
                resources[rc] += amount
            mappings[group.suffix] = [rp.uuid]
        return Candidate({rp.uuid: dict(resources)}, mappings)

    @staticmethod
    def _summaries(s: Session, rps: dict[int, ResourceProvider],
                   chosen: set[int]) -> dict[str, ProviderSummary]:
        invs = inventories_for(s, chosen)
        used = usages(s, chosen)
        traits = traits_by_provider(s, chosen)
        uuid_of = {rp_id: rp.uuid for rp_id, rp in rps.items()}
        found: dict[str, ProviderSummary] = {}
        for rp_id in sorted(chosen):
            rp = rps[rp_id]
            resources: dict[str, dict[str, Any]] = {
                rc: {"capacity": capacity(inv), "used": used.get((rp_id, rc), 0)}
                for rc, inv in sorted(invs.get(rp_id, {}).items())
            }
            found[rp.uuid] = ProviderSummary(
                uuid=rp.uuid, resources=resources, traits=sorted(traits.get(rp_id, set())),
                parent_provider_uuid=uuid_of.get(rp.parent_provider_id or -1),
                root_provider_uuid=uuid_of.get(rp.root_provider_id or rp_id, rp.uuid))
        return found

