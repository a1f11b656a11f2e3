"""Request schemas of /v2.0/metering: labels and their rules."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.db import metering as metering_db
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv
from nimbus.network.schemas.listing import list_query
from nimbus.network.schemas.networks import BOOLEAN, NAME, PROJECT

LABEL: dict[str, a.Attr] = {
    "name": NAME, "description": a.Attr(a.string(1024)), "project_id": PROJECT,
    "tenant_id": PROJECT, "shared": BOOLEAN,
}
_PREFIX = a.Attr(a.string(64, nullable=True), cv.nullable(cv.cidr))
RULE: dict[str, a.Attr] = {
    "metering_label_id": a.Attr(a.uuid(), required=True),
    "direction": a.Attr(a.one_of("ingress", "egress"), required=True),
    "excluded": BOOLEAN,
    "remote_ip_prefix": _PREFIX, "source_ip_prefix": _PREFIX, "destination_ip_prefix": _PREFIX,
    "project_id": PROJECT, "tenant_id": PROJECT,
}
CREATE_LABEL: Schema = a.create_body("metering_label", "metering_labels", LABEL, bulk=False)
CREATE_RULE: Schema = a.create_body("metering_label_rule", "metering_label_rules", RULE,
                                    bulk=False)
LIST_LABELS: Schema = list_query(metering_db.LABELS.attributes)
LIST_RULES: Schema = list_query(metering_db.RULES.attributes)
