"""What the API shows of QoS policies and rules."""

from __future__ import annotations

from typing import Any

from nimbus.network.db import models
from nimbus.network.schemas.views import _standard

# The fields each rule type shows besides its id (and, in a policy, its type and policy).
FIELDS = {
    "bandwidth_limit": ("max_kbps", "max_burst_kbps", "direction"),
    "dscp_marking": ("dscp_mark",),
    "minimum_bandwidth": ("min_kbps", "direction"),
    "minimum_packet_rate": ("min_kpps", "direction"),
}


def rule(row: models.QosRule) -> dict[str, Any]:
    return {"id": row.id, **{f: getattr(row, f) for f in FIELDS[row.rule_type]}}


def policy(row: models.QosPolicy, rules: list[models.QosRule]) -> dict[str, Any]:
    return {
        **_standard(row),
        "name": row.name,
        "shared": row.shared,
        "is_default": row.is_default,
        "rules": [{**rule(r), "type": r.rule_type, "qos_policy_id": row.id} for r in rules],
    }
