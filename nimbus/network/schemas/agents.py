"""Request schemas of /v2.0/agents: an admin changes only its state and description."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.network.schemas import attributes as a
from nimbus.network.schemas import convert as cv

ATTRIBUTES: dict[str, a.Attr] = {
    "admin_state_up": a.Attr(a.boolean(), cv.boolean),
    "description": a.Attr(a.string(255, nullable=True)),
}
UPDATE: Schema = a.update_body("agent", ATTRIBUTES)
# What a list may be filtered on (exact values; the agent type in any case, as Neutron
# compares it on MySQL).
FILTERS = ("id", "agent_type", "binary", "topic", "host", "availability_zone",
           "admin_state_up", "alive", "description")
