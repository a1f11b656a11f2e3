"""Allocation candidates over provider trees and sharing providers, as Placement finds them.

Each request group is searched on its own. A suffixed group must be satisfied by one provider;
the unsuffixed group may spread its resources over the providers of one tree and the sharing
providers (``MISC_SHARES_VIA_AGGREGATE``) that share an aggregate with that tree. Every partial
answer is tied to the root of the tree it serves, its anchor. The groups' answers are then
combined anchor by anchor, keeping the combinations that honour ``group_policy=isolate`` and
``same_subtree`` and that still fit every provider's capacity once the groups' amounts on one
provider are added up.

The database chooses the providers with room for each requested amount; the combining is done
here, over the few trees those providers belong to.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from nimbus.placement.db import allocations as allocation_queries
from nimbus.placement.db import candidates as queries
from nimbus.placement.db import inventories as inventory_queries
from nimbus.placement.db import traits as trait_queries
from nimbus.placement.db.filters import RequestGroup
from nimbus.placement.manager.common import capacity


@dataclass(frozen=True)
class Piece:
    """One way to satisfy one group, tied to the root (anchor) of the tree it serves."""

    anchor: int
    same_provider: bool
    # (provider id, resource class, amount)
    resources: tuple[tuple[int, str, int], ...]
    # (group suffix, provider id)
    mappings: frozenset[tuple[str, int]]


@dataclass
class Found:
    """A candidate: amounts by provider id and class, and the providers of each group."""

    amounts: dict[tuple[int, str], int]
    mappings: dict[str, set[int]]


@dataclass
class Capacity:
    capacity: int
    used: int
    max_unit: int


@dataclass
class Member:
    uuid: str
    parent: int | None
    root: int
    traits: set[str] = field(default_factory=set)
    resources: dict[str, Capacity] = field(default_factory=dict)


class TreeSearch:
    """The search for one request, within one database session."""

    def __init__(self, s: Session, groups: list[RequestGroup], group_policy: str | None,
                 same_subtrees: list[set[str]], anchor_roots: set[int] | None) -> None:
        self.s = s
        self.groups = groups
        self.group_policy = group_policy
        self.same_subtrees = same_subtrees
        self.anchor_roots = anchor_roots
        self.sharing = queries.sharing_ids(s)
        self.nested = queries.has_trees(s)
        self._anchors: dict[int, set[int]] | None = None
        self.members: dict[int, Member] = {}

    # -- one group ---------------------------------------------------------------------------

    def _anchors_of(self, rp_id: int) -> set[int]:
        if self._anchors is None:
            self._anchors = queries.anchors(self.s, self.sharing)
        return self._anchors.get(rp_id, set())

    def _anchored(self, root: int) -> bool:
        return self.anchor_roots is None or root in self.anchor_roots

    def _tree_root(self, group: RequestGroup) -> int | None | bool:
        """The root id of ``in_tree`` (False when it names no provider); None without one."""
        if group.in_tree is None:
            return None
        root = queries.root_of_uuid(self.s, group.in_tree)
        return False if root is None else root

    def pieces(self, group: RequestGroup) -> list[Piece]:
        if not group.suffix and (self.sharing or self.nested):
            return self._spread(group)
        return self._single(group)

    def _single(self, group: RequestGroup) -> list[Piece]:
        tree_root = self._tree_root(group)
        if tree_root is False:
            return []
        allowed: set[int] | None = None
        if group.required_traits:
            allowed = queries.with_all_traits(self.s, group.required_traits)
        if group.member_of:
            in_aggs = queries.in_all_aggregates(self.s, group.member_of)
            allowed = in_aggs if allowed is None else allowed & in_aggs
        banned: set[int] = set()
        if group.forbidden_aggregates:
            banned |= queries.in_any_aggregate(self.s, group.forbidden_aggregates)
        if group.forbidden_traits:
            banned |= queries.with_any_trait(self.s, group.forbidden_traits)
        found: dict[int, int] | None = None
        for rc, amount in sorted(group.resources.items()):
            rooms = queries.with_room(self.s, rc, amount, tree_root or None)
            found = rooms if found is None else {k: v for k, v in found.items() if k in rooms}
        if found is None:
            found = queries.all_providers(self.s, allowed)
            if tree_root:
                found = {k: v for k, v in found.items() if v == tree_root}
        chosen = {rp: root for rp, root in found.items()
                  if (allowed is None or rp in allowed) and rp not in banned}
        out: list[Piece] = []
        for rp, root in sorted(chosen.items()):
            resources = tuple((rp, rc, amount) for rc, amount in sorted(group.resources.items()))
            mappings = frozenset({(group.suffix, rp)})
            same = bool(group.suffix)
            if self._anchored(root):
                out.append(Piece(root, same, resources, mappings))
            if rp in self.sharing:
                for anchor in sorted(self._anchors_of(rp)):
                    if anchor != root and self._anchored(anchor):
                        out.append(Piece(anchor, same, resources, mappings))
        return out

    def _spread(self, group: RequestGroup) -> list[Piece]:
        tree_root = self._tree_root(group)
        if tree_root is False:
            return []
        names = {t for any_of in group.required_traits for t in any_of}
        if names and not queries.with_any_trait(self.s, names):
            return []
        in_aggs = (queries.in_all_aggregates(self.s, group.member_of) if group.member_of
                   else None)
        bad_aggs = (queries.in_any_aggregate(self.s, group.forbidden_aggregates)
                    if group.forbidden_aggregates else set())
        by_class: dict[str, set[tuple[int, int]]] = {}
        for rc, amount in sorted(group.resources.items()):
            rooms = queries.with_room(self.s, rc, amount, tree_root or None)
            pairs = set(rooms.items())
            shared = self.sharing & set(rooms)
            if in_aggs is not None:
                shared &= in_aggs
            if shared and tree_root is None:
                pairs |= {(rp, anchor) for rp in shared for anchor in self._anchors_of(rp)}
            pairs = {(rp, anchor) for rp, anchor in pairs if self._anchored(anchor)
                     and (in_aggs is None or rp in in_aggs or anchor in in_aggs)
                     and rp not in bad_aggs and anchor not in bad_aggs}
            if not pairs:
                return []
            by_class[rc] = pairs
        if not by_class:
            return []
        anchors = set.intersection(*({a for _rp, a in pairs} for pairs in by_class.values()))
        involved = {rp for pairs in by_class.values() for rp, _a in pairs}
        traits = trait_queries.of_providers(self.s, involved)
        classes = sorted(by_class)
        out: list[Piece] = []
        for anchor in sorted(anchors):
            choices = [sorted(rp for rp, a in by_class[rc] if a == anchor) for rc in classes]
            for combo in itertools.product(*choices):
                if any(traits.get(rp, set()) & group.forbidden_traits for rp in combo):
                    continue
                held = set().union(*(traits.get(rp, set()) for rp in combo))
                if not all(any_of & held for any_of in group.required_traits):
                    continue
                resources = tuple((rp, rc, group.resources[rc])
                                  for rc, rp in zip(classes, combo, strict=True))
                mappings = frozenset((group.suffix, rp) for rp in combo)
                out.append(Piece(anchor, False, resources, mappings))
        return out

    # -- all groups together -----------------------------------------------------------------

    def search(self) -> list[Found]:
        by_anchor: dict[int, dict[str, list[Piece]]] = defaultdict(lambda: defaultdict(list))
        for group in self.groups:
            answers = self.pieces(group)
            if not answers:
                return []
            for piece in answers:
                by_anchor[piece.anchor][group.suffix].append(piece)
        self._load_trees({rp for per in by_anchor.values() for pieces in per.values()
                          for piece in pieces for _s, rp in piece.mappings})
        suffixes = [g.suffix for g in self.groups]
        granular = len([s for s in suffixes if s])
        results: list[Found] = []
        seen: set[tuple[frozenset[tuple[tuple[int, str], int]],
                        frozenset[tuple[str, frozenset[int]]]]] = set()
        for anchor in sorted(by_anchor):
            per_suffix = by_anchor[anchor]
            if set(per_suffix) != set(suffixes):
                continue
            for combo in itertools.product(*(per_suffix[s] for s in suffixes)):
                if not self._isolated(combo, granular) or not self._same_subtree(combo):
                    continue
                found = _consolidate(combo)
                if self._too_big(found):
                    continue
                key = (frozenset(found.amounts.items()),
                       frozenset((k, frozenset(v)) for k, v in found.mappings.items()))
                if key not in seen:
                    seen.add(key)
                    results.append(found)
        return results

    def _isolated(self, combo: tuple[Piece, ...], granular: int) -> bool:
        if self.group_policy != "isolate":
            return True
        used = {rp for piece in combo if piece.same_provider for _s, rp in piece.mappings}
        return len(used) == granular

    def _same_subtree(self, combo: tuple[Piece, ...]) -> bool:
        for wanted in self.same_subtrees:
            rps = {rp for piece in combo for suffix, rp in piece.mappings if suffix in wanted}
            if len(rps) <= 1:
                continue
            common = set.intersection(*(self._ancestry(rp) for rp in rps))
            if not common & rps:
                return False
        return True

    def _ancestry(self, rp: int) -> set[int]:
        found = {rp}
        parent = self.members[rp].parent if rp in self.members else None
        while parent is not None:
            found.add(parent)
            parent = self.members[parent].parent if parent in self.members else None
        return found

    def _too_big(self, found: Found) -> bool:
        for (rp, rc), amount in found.amounts.items():
            inv = self.members[rp].resources.get(rc) if rp in self.members else None
            if inv is None or inv.used + amount > inv.capacity or amount > inv.max_unit:
                return True
        return False

    # -- what the trees hold -----------------------------------------------------------------

    def _load_trees(self, provider_ids: set[int]) -> None:
        roots = set(queries.roots_of(self.s, provider_ids).values())
        roots -= {m.root for m in self.members.values()}
        if not roots:
            return
        rows = queries.trees(self.s, roots)
        ids = {row.id for row in rows}
        traits = trait_queries.of_providers(self.s, ids)
        invs = inventory_queries.of_providers(self.s, ids)
        used = allocation_queries.usages(self.s, ids)
        for row in rows:
            member = Member(row.uuid, row.parent_id, row.root_id, traits.get(row.id, set()))
            for rc, inv in sorted(invs.get(row.id, {}).items()):
                member.resources[rc] = Capacity(capacity(inv), used.get((row.id, rc), 0),
                                                inv.max_unit)
            self.members[row.id] = member

    def summary_ids(self, results: list[Found]) -> list[int]:
        """Every provider of the trees the candidates take resources from, oldest first."""
        roots = {self.members[rp].root for found in results for rp, _rc in found.amounts}
        return sorted(rp for rp, m in self.members.items() if m.root in roots)


def _consolidate(combo: tuple[Piece, ...]) -> Found:
    amounts: dict[tuple[int, str], int] = defaultdict(int)
    mappings: dict[str, set[int]] = defaultdict(set)
    for piece in combo:
        for rp, rc, amount in piece.resources:
            amounts[(rp, rc)] += amount
        for suffix, rp in piece.mappings:
            mappings[suffix].add(rp)
    return Found(dict(amounts), dict(mappings))
