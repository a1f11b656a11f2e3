"""Queries on ports and their fixed IPs."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import and_, exists, select, true
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import constants as c
from nimbus.network.db.jsonlist import json_has
from nimbus.network.db.listing import (
    Condition,
    Derived,
    Flag,
    Listing,
    Opaque,
    Strings,
    Text,
    matches_nothing,
    page_of,
    standard,
)
from nimbus.network.db.models import IPAllocation, Port, PortBinding
from nimbus.network.errors import HTTPBadRequest

# ``fixed_ips=<key>=<value>``: what each key compares.
FIXED_IP_KEYS = ("ip_address", "subnet_id", "ip_address_substr")


def _fixed_ips(specs: Sequence[str]) -> Condition:
    """Every ``key=value`` must hold for one of the port's fixed IPs."""
    found: list[Condition] = []
    for spec in specs:
        key, _, value = spec.partition("=")
        if key == "ip_address_substr":
            match = IPAllocation.ip_address.contains(value, autoescape=True)
        elif key == "ip_address":
            match = IPAllocation.ip_address == value
        elif key == "subnet_id":
            match = IPAllocation.subnet_id == value
        else:
            raise HTTPBadRequest(attr="fixed_ips", reason=f"'{spec}' is not a valid filter")
        found.append(exists().where(IPAllocation.port_id == Port.id, match))
    return and_(*found)


# ``sort_key=fixed_ips`` orders by the port's first fixed IP, as its text would sort.
FIRST_FIXED_IP = (select(IPAllocation.subnet_id + " " + IPAllocation.ip_address)
                  .where(IPAllocation.port_id == Port.id).order_by(IPAllocation.id).limit(1)
                  .scalar_subquery())

LISTING = Listing({
    **standard(Port),
    "network_id": Text(Port.network_id),
    "admin_state_up": Flag(Port.admin_state_up),
    "status": Text(Port.status),
    "mac_address": Text(Port.mac_address),
    # ``fixed_ips=ip_address=10.0.0.5``: a filter with a syntax of its own.
    "fixed_ips": Derived(_fixed_ips, FIRST_FIXED_IP),
    "device_id": Text(Port.device_id),
    "device_owner": Text(Port.device_owner),
    "security_groups": Strings(Port.security_groups),
    "port_security_enabled": Flag(Port.port_security_enabled),
    "allowed_address_pairs": Opaque(Port.allowed_address_pairs),
    "extra_dhcp_opts": Opaque(Port.extra_dhcp_opts),
    "binding:host_id": Text(Port.host_id),
    "binding:vif_type": Text(Port.vif_type),
    "binding:vnic_type": Text(Port.vnic_type),
    "binding:profile": Opaque(Port.profile),
    "binding:vif_details": Opaque(Port.vif_details),
    "dns_name": Text(Port.dns_name),
    "dns_domain": Text(Port.dns_domain),
    "mac_learning_enabled": Flag(Port.mac_learning_enabled),
    # Made from the name and the addresses: no filter matches it, as in Neutron.
    "dns_assignment": Derived(matches_nothing),
}, tags=Port.tags)


def visible(project_id: str | None, everything: bool) -> Condition:
    return true() if everything else Port.project_id == (project_id or "")


def list_page(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
              hidden: Collection[str], seen: Condition) -> Page[Port]:
    return page_of(session, select(Port).where(seen), LISTING, query, filters, hidden)


def allocations(session: Session, port_id: str) -> list[IPAllocation]:
    return list(session.scalars(select(IPAllocation).where(IPAllocation.port_id == port_id)
                                .order_by(IPAllocation.id)))


def allocations_of(session: Session,
                   port_ids: Collection[str]) -> dict[str, list[IPAllocation]]:
    """The fixed IPs of many ports, in one query."""
    found: dict[str, list[IPAllocation]] = {p: [] for p in port_ids}
    if port_ids:
        for alloc in session.scalars(select(IPAllocation).where(
                IPAllocation.port_id.in_(list(port_ids))).order_by(IPAllocation.id)):
            found[alloc.port_id].append(alloc)
    return found


def subnet_ids(session: Session, port_id: str) -> list[str]:
    return list(session.scalars(select(IPAllocation.subnet_id).where(
        IPAllocation.port_id == port_id).order_by(IPAllocation.id)))


def mac_taken(session: Session, network_id: str, mac: str) -> bool:
    return session.scalar(select(Port.id).where(Port.network_id == network_id,
                                                Port.mac_address == mac).limit(1)) is not None


def interfaces(session: Session, router_id: str) -> list[Port]:
    """The router's interface ports (not its gateway port)."""
    return list(session.scalars(select(Port).where(
        Port.device_id == router_id, Port.device_owner == c.OWNER_ROUTER_INTERFACE)))


def using_group(session: Session, project_id: str | None, group_id: str) -> Port | None:
    """A port of ``project_id`` (of any project, for None) in the group."""
    stmt = select(Port).where(json_has(Port.security_groups, group_id))
    if project_id is not None:
        stmt = stmt.where(Port.project_id == project_id)
    return session.scalars(stmt.limit(1)).first()


def on_device(session: Session, device_id: str) -> list[Port]:
    return list(session.scalars(select(Port).where(Port.device_id == device_id)
                                .order_by(Port.created_at, Port.id)))


def get(session: Session, port_id: str) -> Port | None:
    return session.get(Port, port_id)


def many(session: Session, port_ids: Collection[str]) -> dict[str, Port]:
    if not port_ids:
        return {}
    return {p.id: p for p in session.scalars(select(Port).where(Port.id.in_(list(port_ids))))}


def drop(session: Session, port: Port) -> None:
    """Delete a port, its fixed IPs and its other hosts' bindings."""
    for alloc in allocations(session, port.id):
        session.delete(alloc)
    for binding in bindings(session, port.id):
        session.delete(binding)
    session.delete(port)


def bindings(session: Session, port_id: str) -> list[PortBinding]:
    """The port's inactive bindings (its active one is the port's own columns)."""
    return list(session.scalars(select(PortBinding).where(PortBinding.port_id == port_id)
                                .order_by(PortBinding.host)))
