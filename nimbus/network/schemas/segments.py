"""Request schemas of /v2.0/segments."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import segments as segment_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import DESCRIPTION, PROJECT

ATTRIBUTES: dict[str, a.Attr] = {
    "network_id": a.Attr(a.uuid(), required=True, put=False),
    "name": a.Attr(a.string(255, nullable=True)), "description": DESCRIPTION,
    # Which types and ids are allowed is the manager's to say (its messages name them).
    "network_type": a.Attr(a.string(32), required=True, put=False),
    "physical_network": a.Attr(a.string(64, nullable=True), put=False),
    "segmentation_id": a.Attr(a.integer(nullable=True), cv.nullable(cv.integer()), put=False),
    "project_id": PROJECT, "tenant_id": PROJECT,
}

CREATE: Schema = a.create_body("segment", "segments", ATTRIBUTES, bulk=False)
UPDATE: Schema = a.update_body("segment", ATTRIBUTES)
LIST_QUERY: Schema = list_query(segment_db.LISTING.attributes)
