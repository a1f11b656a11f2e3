"""Request schemas of /v2.0/rbac-policies."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import rbac as rbac_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import PROJECT

POLICY: dict[str, a.Attr] = {
    "object_type": a.Attr(a.string(32), put=False, required=True),
    "object_id": a.Attr(a.string(36), put=False, required=True),
    "action": a.Attr(a.string(32), put=False, required=True),
    "target_tenant": a.Attr(a.string(255), required=True),
    "project_id": PROJECT, "tenant_id": PROJECT,
}
CREATE: Schema = a.create_body("rbac_policy", "rbac_policies", POLICY, bulk=False)
UPDATE: Schema = a.update_body("rbac_policy", POLICY)
LIST_QUERY: Schema = list_query(rbac_db.LISTING.attributes)
