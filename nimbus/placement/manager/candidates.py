"""Allocation candidates: the ways a request for resources could be satisfied right now.

Today every candidate is a single provider that satisfies all request groups on its own (no
nested trees or sharing providers yet). The request, candidate and summary shapes already carry
groups and per-group mappings, so spreading a candidate over a tree later only changes
``_single_provider_candidates``. The database does the choosing (``db/candidates.py``), limit
included; only the chosen providers are loaded.
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
from nimbus.placement.manager.common import capacity, resource_class_exists

__all__ = ["Candidate", "CandidateManager", "CandidateRequest", "CandidateResult",
           "ProviderSummary", "RequestGroup"]


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
            self._check_known(s, request.groups)
            chosen = self._single_provider_candidates(s, request)
            candidates = [self._candidate(rp, request.groups) for rp in chosen]
            return CandidateResult(candidates, self._summaries(s, chosen))

    @staticmethod
    def _check_known(s: Session, groups: list[RequestGroup]) -> None:
        """Every class and trait asked for exists, or the request is a 400 naming it."""
        for group in groups:
            for rc in sorted(group.resources):
                if not resource_class_exists(s, rc):
                    raise errors.BadRequest(f"Invalid resource class in resources parameter: "
                                            f"No such resource class {rc}.")
            traits = ({t for any_of in group.required_traits for t in any_of}
                      | group.forbidden_traits)
            unknown = traits - STANDARD_TRAITS
            missing = sorted(unknown - trait_queries.custom(s, unknown)) if unknown else []
            if missing:
                raise errors.BadRequest(f"No such trait(s): {', '.join(missing)}")

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
                uuid=rp.uuid, resources=resources, traits=sorted(traits.get(rp.id, set())),
                parent_provider_uuid=view.parent_provider_uuid,
                root_provider_uuid=view.root_provider_uuid)
        return found
