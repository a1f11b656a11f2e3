"""Request schemas of /v2.0/flavors, /v2.0/service_profiles and their associations."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.validation import Schema
from nimbus.network.db import flavors as flavor_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import BOOLEAN, NAME


def _text(attr: str, value: Any) -> str:
    """Neutron's ``string_or_none``: a null description is an empty one."""
    return "" if value is None else str(value)


LONG_DESCRIPTION = a.Attr(a.string(1024, nullable=True), _text)

FLAVOR: dict[str, a.Attr] = {
    "name": NAME, "description": LONG_DESCRIPTION,
    "service_type": a.Attr(a.string(255), put=False, required=True),
    # Neutron takes a list of profile ids here and does nothing with it: a flavor gains and
    # loses profiles through /v2.0/flavors/{id}/service_profiles only.
    "service_profiles": a.Attr(a.array(a.uuid())),
    "enabled": BOOLEAN,
}

PROFILE: dict[str, a.Attr] = {
    "description": LONG_DESCRIPTION,
    "driver": a.Attr(a.string(1024)),
    "metainfo": a.Attr(a.string(4096)),
    "enabled": BOOLEAN,
}

CREATE_FLAVOR: Schema = a.create_body("flavor", "flavors", FLAVOR, bulk=False)
UPDATE_FLAVOR: Schema = a.update_body("flavor", FLAVOR)
CREATE_PROFILE: Schema = a.create_body("service_profile", "service_profiles", PROFILE,
                                       bulk=False)
UPDATE_PROFILE: Schema = a.update_body("service_profile", PROFILE)
# POST /v2.0/flavors/{id}/service_profiles: ``{"service_profile": {"id": ...}}``.
ASSOCIATION: dict[str, a.Attr] = {"id": a.Attr(a.uuid(), required=True)}
ASSOCIATE: Schema = a.create_body("service_profile", "service_profiles", ASSOCIATION,
                                  bulk=False)
LIST_FLAVORS: Schema = list_query(flavor_db.FLAVORS.attributes)
LIST_PROFILES: Schema = list_query(flavor_db.PROFILES.attributes)
