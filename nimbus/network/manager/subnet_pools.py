"""Subnet pools (Neutron's ``subnet_allocation``): prefixes that subnets take their cidrs from.

A pool has one IP version, its prefixes kept collapsed, and bounds on what it hands out:
``min_prefixlen`` <= ``default_prefixlen`` <= ``max_prefixlen`` (defaults 8 and 32 for IPv4,
64 and 128 for IPv6). A subnet asks for a cidr inside the prefixes or for a prefix length,
and gets the lowest free block; no two subnets of a pool overlap. ``default_quota`` caps what
one project takes from it (addresses for IPv4, /64s for IPv6). A pool in an address scope has
prefixes no other pool of the scope has. One pool per IP version may be the default, which
``use_default_subnetpool`` asks for. Prefixes only grow: a pool is never shrunk under its
subnets.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import addressing as db
from nimbus.network.db import models
from nimbus.network.db import rbac as rbac_db
from nimbus.network.manager.access import Access
from nimbus.network.manager.address_scopes import AddressScopeManager
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.schemas import addressing_views as views

Net = ipaddress.IPv4Network | ipaddress.IPv6Network
# ip version -> (the smallest min_prefixlen by default, the address length, quota unit bits)
BOUNDS = {4: (8, 32, 32), 6: (64, 128, 64)}


def _networks(prefixes: Iterable[str]) -> list[Net]:
    found: list[Net] = []
    for text in prefixes:
        try:
            found.append(ipaddress.ip_network(str(text), strict=False))
        except ValueError:
            raise nerr.InvalidInput(error_message=f"'{text}' is not a valid IP subnet") \
                from None
    return found


def collapse(prefixes: Iterable[str]) -> tuple[int, list[str]]:
    """The prefixes' IP version and their collapsed, sorted form."""
    nets = _networks(prefixes)
    if not nets:
        raise nerr.InvalidInput(error_message="a subnet pool needs at least one prefix")
    versions = {n.version for n in nets}
    if len(versions) > 1:
        raise nerr.InvalidInput(error_message="Cannot mix IPv4 and IPv6 prefixes in a subnet "
                                              "pool.")
    collapsed = ipaddress.collapse_addresses(nets)  # type: ignore[type-var]
    return versions.pop(), [str(n) for n in collapsed]


def _within(net: Net, prefixes: Iterable[Net]) -> bool:
    return any(net.version == p.version and net.subnet_of(p) for p in prefixes)  # type: ignore[arg-type]


def _overlap(a: Net, b: Net) -> bool:
    return a.version == b.version and a.overlaps(b)  # type: ignore[arg-type]


def free_blocks(prefixes: Iterable[Net], taken: Iterable[Net]) -> list[Net]:
    """What of ``prefixes`` no ``taken`` block covers, as blocks, lowest first."""
    free = sorted(prefixes, key=lambda n: (n.network_address, n.prefixlen))
    for used in taken:
        after: list[Net] = []
        for block in free:
            if not _overlap(block, used):
                after.append(block)
            elif used.subnet_of(block) and used != block:  # type: ignore[arg-type]
                after.extend(block.address_exclude(used))  # type: ignore[arg-type]
        free = sorted(after, key=lambda n: (n.network_address, n.prefixlen))
    return free


def check_bounds(version: int, low: int, high: int, default: int) -> None:
    top = BOUNDS[version][1]
    if high > top:
        raise nerr.IllegalSubnetPoolPrefixBounds(prefix_type="max_prefixlen", prefixlen=high,
                                                 base_prefix_type="ip_version_max",
                                                 base_prefixlen=top)
    if low > high or low < 0:
        raise nerr.IllegalSubnetPoolPrefixBounds(prefix_type="min_prefixlen", prefixlen=low,
                                                 base_prefix_type="max_prefixlen",
                                                 base_prefixlen=high)
    if default < low:
        raise nerr.IllegalSubnetPoolPrefixBounds(prefix_type="default_prefixlen",
                                                 prefixlen=default,
                                                 base_prefix_type="min_prefixlen",
                                                 base_prefixlen=low)
    if default > high:
        raise nerr.IllegalSubnetPoolPrefixBounds(prefix_type="default_prefixlen",
                                                 prefixlen=default,
                                                 base_prefix_type="max_prefixlen",
                                                 base_prefixlen=high)


class SubnetPoolManager:
    def __init__(self, database: Database, access: Access,
                 scopes: AddressScopeManager) -> None:
        self.db = database
        self.access = access
        self.scopes = scopes

    def pool(self, session: Session, ctx: RequestContext, pool_id: str) -> models.SubnetPool:
        """The pool, when the caller may see (and use) it: its own or a shared one."""
        row = db.pool(session, pool_id)
        if row is None or not self.access.usable(session, ctx, "subnetpool", row):
            raise nerr.SubnetPoolNotFound(subnetpool_id=pool_id)
        return row

    def list_pools(self, ctx: RequestContext, query: PageQuery | None = None,
                   filters: Filters | None = None,
                   hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            seen = db.visible(models.SubnetPool, ctx.project_id, self.access.everything(ctx))
            page = db.list_pools(session, query or PageQuery(), filters or {}, hidden, seen)
            items = [views.subnet_pool(r) for r in page.items]
            return with_items(page, self.access.mark_shared(session, ctx, "subnetpool", items))

    def default_pool(self, ip_version: int) -> dict[str, Any] | None:
        """The default pool of an IP version, if one is marked."""
        with self.db.reader() as session:
            row = db.default_pool(session, ip_version)
            return views.subnet_pool(row) if row is not None else None

    def get_pool(self, ctx: RequestContext, pool_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            item = views.subnet_pool(self.pool(session, ctx, pool_id))
            return self.access.mark_shared(session, ctx, "subnetpool", [item])[0]

    @retry_on_lock()
    def create_pool(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or attrs.get("tenant_id") or ctx.project_id or ""
        version, prefixes = collapse(attrs["prefixes"])
        low = int(attrs.get("min_prefixlen") or BOUNDS[version][0])
        high = int(attrs.get("max_prefixlen") or BOUNDS[version][1])
        default = int(attrs.get("default_prefixlen") or low)
        check_bounds(version, low, high, default)
        with self.db.writer() as session:
            row = models.SubnetPool(
                project_id=project, name=attrs.get("name") or "",
                description=attrs.get("description") or "", ip_version=version,
                prefixes=prefixes, min_prefixlen=low, max_prefixlen=high,
                default_prefixlen=default, default_quota=attrs.get("default_quota"),
                shared=bool(attrs.get("shared", False)), is_default=False, revision_number=0)
            self._join_scope(session, ctx, row, attrs.get("address_scope_id"))
            if attrs.get("is_default"):
                self._make_default(session, row)
            session.add(row)
            session.flush()
            return views.subnet_pool(row)

    @retry_on_lock()
    def update_pool(self, ctx: RequestContext, pool_id: str,
                    attrs: dict[str, Any]) -> dict[str, Any]:
        with self.db.writer() as session:
            row = self.pool(session, ctx, pool_id)
            if "prefixes" in attrs:
                version, prefixes = collapse(attrs["prefixes"])
                if version != row.ip_version:
                    raise nerr.IllegalSubnetPoolPrefixUpdate(
                        msg="the prefixes' IP version is not the pool's")
                new = _networks(prefixes)
                if not all(_within(old, new) for old in _networks(row.prefixes)):
                    raise nerr.IllegalSubnetPoolPrefixUpdate(
                        msg="Existing prefixes must be a subset of the new prefixes")
                row.prefixes = prefixes
            low = int(attrs.get("min_prefixlen") or row.min_prefixlen)
            high = int(attrs.get("max_prefixlen") or row.max_prefixlen)
            default = int(attrs.get("default_prefixlen") or row.default_prefixlen)
            check_bounds(row.ip_version, low, high, default)
            row.min_prefixlen, row.max_prefixlen, row.default_prefixlen = low, high, default
            for key in ("name", "description"):
                if attrs.get(key) is not None:
                    setattr(row, key, attrs[key])
            if "default_quota" in attrs:
                row.default_quota = attrs["default_quota"]
            if "address_scope_id" in attrs or "prefixes" in attrs:
                self._join_scope(session, ctx, row,
                                 attrs.get("address_scope_id", row.address_scope_id))
            if "is_default" in attrs:
                if attrs["is_default"]:
                    self._make_default(session, row)
                else:
                    row.is_default = False
            row.touch()
            return views.subnet_pool(row)

    @retry_on_lock()
    def delete_pool(self, ctx: RequestContext, pool_id: str) -> None:
        with self.db.writer() as session:
            row = self.pool(session, ctx, pool_id)
            if db.subnets_of(session, row.id):
                raise nerr.SubnetPoolInUse(subnet_pool_id=row.id,
                                           reason="Subnet pool has existing allocations")
            rbac_db.drop_for(session, "subnetpool", row.id)
            session.delete(row)

    def _join_scope(self, session: Session, ctx: RequestContext, row: models.SubnetPool,
                    scope_id: str | None) -> None:
        if not scope_id:
            row.address_scope_id = None
            return
        scope = self.scopes.scope(session, ctx, scope_id)
        if scope.ip_version != row.ip_version:
            raise nerr.IllegalSubnetPoolAssociationToAddressScope(
                subnetpool_id=row.id or "(new)", address_scope_id=scope_id)
        mine = _networks(row.prefixes)
        for other in db.pools_in_scope(session, scope_id):
            if other.id != row.id and any(_overlap(a, b) for a in mine
                                          for b in _networks(other.prefixes)):
                raise nerr.AddressScopePrefixConflict()
        row.address_scope_id = scope_id

    @staticmethod
    def _make_default(session: Session, row: models.SubnetPool) -> None:
        other = db.default_pool(session, row.ip_version)
        if other is not None and other.id != row.id:
            raise nerr.InvalidInput(
                error_message=f"A default subnetpool for this IP family has already been set. "
                              f"Only one default may exist per IP family (pool {other.id})")
        row.is_default = True

    # -- allocation ----------------------------------------------------------------------------
    def allocate(self, session: Session, ctx: RequestContext, attrs: dict[str, Any],
                 project_id: str) -> tuple[models.SubnetPool, str]:
        """The pool a new subnet's cidr comes from, and that cidr."""
        version = int(attrs["ip_version"])
        if attrs.get("subnetpool_id"):
            row = self.pool(session, ctx, str(attrs["subnetpool_id"]))
        else:
            found = db.default_pool(session, version)
            if found is None:
                raise nerr.BadRequest(resource="subnets",
                                      msg=f"No default subnetpool found for IPv{version}")
            row = found
        if row.ip_version != version:
            raise nerr.InvalidInput(error_message=f"Cannot allocate IPv{version} subnet from "
                                                  f"IPv{row.ip_version} subnet pool")
        prefixes = _networks(row.prefixes)
        taken = [ipaddress.ip_network(s.cidr) for s in db.subnets_of(session, row.id)]
        if attrs.get("cidr"):
            cidr = ipaddress.ip_network(str(attrs["cidr"]), strict=False)
            self._check_length(row, cidr.prefixlen)
            if not _within(cidr, prefixes):
                raise nerr.SubnetAllocationError(
                    reason="Cannot allocate requested subnet from the available set of "
                           "prefixes")
            if any(_overlap(cidr, t) for t in taken):
                raise nerr.SubnetAllocationError(
                    reason=f"Cannot allocate requested subnet {cidr}: it overlaps a subnet "
                           "already allocated from the pool")
        else:
            length = int(attrs.get("prefixlen") or row.default_prefixlen)
            self._check_length(row, length)
            block = next((b for b in free_blocks(prefixes, taken) if b.prefixlen <= length),
                         None)
            if block is None:
                raise nerr.SubnetAllocationError(
                    reason=f"Insufficient prefix space to allocate subnet size /{length}")
            cidr = ipaddress.ip_network(f"{block.network_address}/{length}")
        self._check_quota(session, row, project_id, cidr)
        return row, str(cidr)

    @staticmethod
    def _check_length(row: models.SubnetPool, length: int) -> None:
        if length < row.min_prefixlen:
            raise nerr.SubnetAllocationError(
                reason=f"Unable to allocate subnet with prefix length {length}, minimum "
                       f"allowed prefix is {row.min_prefixlen}")
        if length > row.max_prefixlen:
            raise nerr.SubnetAllocationError(
                reason=f"Unable to allocate subnet with prefix length {length}, maximum "
                       f"allowed prefix is {row.max_prefixlen}")

    @staticmethod
    def _check_quota(session: Session, row: models.SubnetPool, project_id: str,
                     cidr: Net) -> None:
        if row.default_quota is None:
            return
        unit = BOUNDS[row.ip_version][2]

        def size(net: Net) -> int:
            return int(2 ** (unit - net.prefixlen)) if net.prefixlen <= unit else 1

        used = sum(size(ipaddress.ip_network(s.cidr)) for s in db.subnets_of(session, row.id)
                   if s.project_id == project_id)
        if used + size(cidr) > row.default_quota:
            raise nerr.SubnetAllocationError(
                reason=f"Per-project quota of subnet pool {row.id} ({row.default_quota}) "
                       "would be exceeded")
