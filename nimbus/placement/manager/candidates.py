"""Allocation candidates: the ways a request for resources could be satisfied right now.

In a cloud where every tree is a single provider and nothing is shared, every candidate is one
provider satisfying all request groups on its own, and the database does the whole choice
(``db/candidates.py``), limit included, so only the chosen providers are loaded. Once providers
have children or share their inventory, ``tree_candidates.TreeSearch`` spreads a candidate over a
tree and its sharing providers as Placement does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core import errors
from nimbus.core.db.engine import Database
from nimbus.placement.constants import STANDARD_TRAITS
from nimbus.placement.db import allocations as allocation_queries
from nimbus.placement.db import candidates as queries
from nimbus.placement.db import inventories as inventory_queries
from nimbus.placement.db import providers as provider_queries
from nimbus.placement.db import traits as trait_queries
from nimbus.placement.db.filters import RequestGroup
from nimbus.placement.db.models import ResourceProvider
from nimbus.placement.manager.common import capacity, require_known
from nimbus.placement.manager.tree_candidates import Found, TreeSearch

__all__ = ["Candidate", "CandidateManager", "CandidateRequest", "CandidateResult",
           "ProviderSummary", "RequestGroup"]


@dataclass
class CandidateRequest:
    groups: list[RequestGroup]
    group_policy: str | None = None
    limit: int | None = None
    root_required: list[frozenset[str]] = field(default_factory=list)
    root_forbidden: set[str] = field(default_factory=set)
    same_subtrees: list[set[str]] = field(default_factory=list)
    # Before 1.29 a client cannot take resources from two providers of one tree.
    nested_aware: bool = True


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
            self._check_known(s, request.groups, request)
            if not queries.has_trees(s) and not queries.sharing_ids(s):
                chosen = self._single_provider_candidates(s, request)
                candidates = [self._candidate(rp, request.groups) for rp in chosen]
                return CandidateResult(candidates, self._summaries(s, chosen))
            return self._tree_candidates(s, request)

    def _tree_candidates(self, s: Session, request: CandidateRequest) -> CandidateResult:
        anchors = None
        if request.root_required or request.root_forbidden:
            anchors = queries.roots_with_traits(s, request.root_required,
                                                request.root_forbidden)
            if not anchors:
                return CandidateResult([], {})
        search = TreeSearch(s, request.groups, request.group_policy, request.same_subtrees,
                            anchors)
        found = search.search()
        if not request.nested_aware:
            # One provider per tree, as clients that know nothing of trees expect.
            found = [f for f in found if len({search.members[rp].root for rp, _rc in f.amounts})
                     == len({rp for rp, _rc in f.amounts})]
        if request.limit is not None:
            found = found[:request.limit]
        uuid_of = {rp: m.uuid for rp, m in search.members.items()}
        candidates = [_as_candidate(f, uuid_of) for f in found]
        if request.nested_aware:
            ids = search.summary_ids(found)
        else:
            ids = sorted({rp for f in found for rp, _rc in f.amounts})
        summaries: dict[str, ProviderSummary] = {}
        for rp in ids:
            member = search.members[rp]
            summaries[member.uuid] = ProviderSummary(
                uuid=member.uuid,
                resources={rc: {"capacity": c.capacity, "used": c.used}
                           for rc, c in member.resources.items()},
                traits=trait_order(member.traits),
                parent_provider_uuid=uuid_of.get(member.parent) if member.parent else None,
                root_provider_uuid=uuid_of[member.root])
        return CandidateResult(candidates, summaries)

    @staticmethod
    def _check_known(s: Session, groups: list[RequestGroup], request: CandidateRequest) -> None:
        """Every class and trait asked for exists, or the request is a 400 naming it."""
        root_traits = {t for any_of in request.root_required for t in any_of}
        root_traits |= request.root_forbidden
        unknown_roots = root_traits - STANDARD_TRAITS
        missing_roots = (sorted(unknown_roots - trait_queries.custom(s, unknown_roots))
                         if unknown_roots else [])
        if missing_roots:
            raise errors.BadRequest(f"No such trait(s): {', '.join(missing_roots)}")
        for group in groups:
            require_known(s, group)

    @staticmethod
    def _single_provider_candidates(s: Session,
                                    request: CandidateRequest) -> list[ResourceProvider]:
        suffixed = [g for g in request.groups if g.suffix and g.resources]
        if request.group_policy == "isolate" and len(suffixed) > 1:
            # Isolated groups need distinct providers, which one provider cannot be.
            return []
        combined: dict[str, int] = defaultdict(int)
        for group in request.groups:
            for rc, amount in group.resources.items():
                combined[rc] += amount
        # Each group must fit alone; several groups on one provider must fit together too.
        together = dict(combined) if len([g for g in request.groups if g.resources]) > 1 else None
        return queries.single_providers(s, request.groups, together, request.root_required,
                                        request.root_forbidden, request.limit)

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
    def _summaries(s: Session, chosen: list[ResourceProvider]) -> dict[str, ProviderSummary]:
        ids = {rp.id for rp in chosen}
        invs = inventory_queries.of_providers(s, ids)
        used = allocation_queries.usages(s, ids)
        traits = trait_queries.of_providers(s, ids)
        found: dict[str, ProviderSummary] = {}
        for rp, view in zip(chosen, provider_queries.views(s, chosen), strict=True):
            resources: dict[str, dict[str, Any]] = {
                rc: {"capacity": capacity(inv), "used": used.get((rp.id, rc), 0)}
                for rc, inv in sorted(invs.get(rp.id, {}).items())
            }
            found[rp.uuid] = ProviderSummary(
                uuid=rp.uuid, resources=resources, traits=trait_order(traits.get(rp.id, set())),
                parent_provider_uuid=view.parent_provider_uuid,
                root_provider_uuid=view.root_provider_uuid)
        return found


def trait_order(names: set[str]) -> list[str]:
    """Standard traits before custom ones, as Placement lists a provider's traits."""
    return sorted(names, key=lambda name: (name.startswith("CUSTOM_"), name))


def _as_candidate(found: Found, uuid_of: dict[int, str]) -> Candidate:
    allocations: dict[str, dict[str, int]] = {}
    for (rp, rc), amount in found.amounts.items():
        allocations.setdefault(uuid_of[rp], {})[rc] = amount
    mappings = {suffix: sorted(uuid_of[rp] for rp in rps)
                for suffix, rps in sorted(found.mappings.items())}
    return Candidate(allocations, mappings)
