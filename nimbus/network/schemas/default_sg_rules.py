"""Request schemas of /v2.0/default-security-group-rules (a template is never updated)."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import default_sg_rules as template_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import BOOLEAN
from nimbus.network.schemas.security_group_rules import ATTRIBUTES as RULE

ATTRIBUTES: dict[str, a.Attr] = {
    **{k: v for k, v in RULE.items() if k not in ("security_group_id", "project_id",
                                                  "tenant_id")},
    "used_in_default_sg": BOOLEAN, "used_in_non_default_sg": BOOLEAN,
}

CREATE: Schema = a.create_body("default_security_group_rule", "default_security_group_rules",
                               ATTRIBUTES, bulk=False)
LIST_QUERY: Schema = list_query(template_db.LISTING.attributes)
