"""Request schemas of /v2.0/quotas."""

from __future__ import annotations

from nimbus.core.api import validation
from nimbus.core.api.validation import Schema
from nimbus.network import constants as c
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import PAGING

# -1 is no limit.
LIMIT = a.Attr(a.integer(-1), cv.integer(-1))
ATTRIBUTES: dict[str, a.Attr] = {resource: LIMIT for resource in c.DEFAULT_QUOTAS}
# Neutron's quota-check-limit flags, which ``openstack quota set`` always sends one of:
# ``check_limit`` refuses a limit below what the project already uses, ``force`` skips that
# check (Neutron's default when neither is given).
FLAGS: dict[str, a.Attr] = {"check_limit": a.Attr(a.boolean(), cv.boolean),
                            "force": a.Attr(a.boolean(), cv.boolean)}

UPDATE: Schema = a.update_body("quota", {**ATTRIBUTES, **FLAGS})
# Projects are listed in id order: no sort keys.
LIST_QUERY: Schema = validation.query({k: PAGING[k] for k in ("limit", "marker",
                                                              "page_reverse")})
