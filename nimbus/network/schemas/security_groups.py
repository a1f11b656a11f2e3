"""Request schemas of /v2.0/security-groups."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import security_groups as group_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import BOOLEAN, DESCRIPTION, NAME, PROJECT

ATTRIBUTES: dict[str, a.Attr] = {
    "name": NAME, "description": DESCRIPTION, "project_id": PROJECT, "tenant_id": PROJECT,
    "stateful": BOOLEAN,
}

CREATE: Schema = a.create_body("security_group", "security_groups", ATTRIBUTES)
UPDATE: Schema = a.update_body("security_group", ATTRIBUTES)
LIST_QUERY: Schema = list_query(group_db.GROUPS.attributes)
