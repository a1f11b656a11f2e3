"""Request schemas of /v2.0/address-groups and their address actions, and how an address is
written: as the network it names (``10.0.0.1/24`` is kept as ``10.0.0.0/24``), as Neutron
stores it."""

from __future__ import annotations

import ipaddress
from typing import Any

from nimbus.core.api.validation import Schema
from nimbus.network.db import address_groups as group_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import NAME, PROJECT


def _invalid(value: Any) -> str:
    return f"'{value}' is not a valid IP subnet"


def subnet(attr: str, value: Any) -> str:
    """Neutron's ``type:subnet`` check, then its normalisation: a prefix length is required,
    and an IPv4 one is written the one way it prints (host bits may be set)."""
    if not isinstance(value, str) or "/" not in value or any(ch.isspace() for ch in value):
        raise cv.bad(attr, _invalid(value))
    try:
        given = ipaddress.ip_interface(value)
    except ValueError:
        raise cv.bad(attr, _invalid(value)) from None
    if given.version == 4 and str(given) != value:
        raise cv.bad(attr, _invalid(value))
    return str(given.network)


def action_address(attr: str, value: Any) -> str:
    """An address of ``add_addresses``/``remove_addresses``: Neutron takes these without the
    attribute check, so a bare address is the host's prefix (``/32``, ``/128``)."""
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except (TypeError, ValueError):
        raise cv.bad(attr, _invalid(value)) from None


def addresses(attr: str, value: Any) -> list[str]:
    """A create's addresses: no item twice as given (Neutron's list check), each a subnet;
    two spellings of one network are one address."""
    seen: set[str] = set()
    twice: list[str] = []
    for item in value:
        if item in seen and item not in twice:
            twice.append(item)
        seen.add(item)
    if twice:
        raise cv.bad(attr, f"Duplicate items in the list: '{', '.join(twice)}'")
    return list(dict.fromkeys(subnet(attr, v) for v in value))


ATTRIBUTES: dict[str, a.Attr] = {
    "name": NAME,
    "description": a.Attr(a.string(1024)),
    "project_id": PROJECT, "tenant_id": PROJECT,
    # Changed by the actions only; a null is no address.
    "addresses": a.Attr(a.array(a.string(64), nullable=True),
                        lambda attr, v: addresses(attr, v or []), put=False),
    # Neutron keeps it for RBAC and never shows it.
    "shared": a.Attr(a.boolean(), post=False, put=False),
}

CREATE: Schema = a.create_body("address_group", "address_groups", ATTRIBUTES)
UPDATE: Schema = a.update_body("address_group", ATTRIBUTES)
LIST_QUERY: Schema = list_query(group_db.LISTING.attributes)
# ``{"addresses": [...]}`` of both actions.
ADDRESSES: Schema = {"type": "object", "required": ["addresses"],
                     "properties": {"addresses": a.array(a.string(64))}}
