"""``POST /servers/{id}/os-interface``: a port, or a network (and fixed IP) for a new one."""

from __future__ import annotations

from nimbus.core.api.validation import Schema

ATTACH: Schema = {
    "type": "object",
    "properties": {"interfaceAttachment": {
        "type": "object",
        "properties": {
            "net_id": {"type": "string", "format": "uuid"},
            "port_id": {"type": "string", "format": "uuid"},
            "fixed_ips": {"type": "array", "maxItems": 1, "items": {
                "type": "object",
                "properties": {"ip_address": {"type": "string", "format": "ipv4"}},
                "required": ["ip_address"], "additionalProperties": False}},
            "tag": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "^[^,/]*$"},
        },
        "additionalProperties": False,
    }},
    "additionalProperties": False,
}
