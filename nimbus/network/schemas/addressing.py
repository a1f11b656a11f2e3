"""Request schemas of /v2.0/address-scopes and /v2.0/subnetpools."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import addressing as addressing_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import BOOLEAN, DESCRIPTION, NAME, PROJECT

_VERSION = a.Attr(a.one_of(4, 6, "4", "6"), cv.integer(), put=False, required=True)
_INT32 = 2 ** 31 - 1
_PREFIXLEN = a.Attr(a.integer(0, 128), cv.integer(0, 128))

ADDRESS_SCOPE: dict[str, a.Attr] = {
    "name": NAME, "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    "ip_version": _VERSION, "shared": BOOLEAN,
}
CREATE_SCOPE: Schema = a.create_body("address_scope", "address_scopes", ADDRESS_SCOPE,
                                     bulk=False)
UPDATE_SCOPE: Schema = a.update_body("address_scope", ADDRESS_SCOPE)
LIST_SCOPES: Schema = list_query(addressing_db.SCOPES.attributes)

SUBNET_POOL: dict[str, a.Attr] = {
    "name": NAME, "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    "prefixes": a.Attr(a.array(a.string(64)), cv.list_of(cv.cidr), required=True),
    "default_prefixlen": _PREFIXLEN, "min_prefixlen": _PREFIXLEN, "max_prefixlen": _PREFIXLEN,
    # The column is a 32-bit integer on every database.
    "default_quota": a.Attr(a.integer(0, _INT32, nullable=True),
                            cv.nullable(cv.integer(0, _INT32))),
    "address_scope_id": a.Attr(a.string(36, nullable=True)),
    "shared": a.Attr(a.boolean(), cv.boolean, put=False),
    "is_default": BOOLEAN,
}
CREATE_POOL: Schema = a.create_body("subnetpool", "subnetpools", SUBNET_POOL, bulk=False)
UPDATE_POOL: Schema = a.update_body("subnetpool", SUBNET_POOL)
LIST_POOLS: Schema = list_query(addressing_db.POOLS.attributes)
