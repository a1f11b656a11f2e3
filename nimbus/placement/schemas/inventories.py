"""Bodies of the inventory requests."""

from __future__ import annotations

from nimbus.core.api.validation import Schema
from nimbus.placement.schemas import GENERATION, MAX_INT, RC_PATTERN

_INT: Schema = {"type": "integer", "maximum": MAX_INT}

INVENTORY_FIELDS: Schema = {
    "total": {**_INT, "minimum": 1},
    "reserved": {**_INT, "minimum": 0},
    "min_unit": {**_INT, "minimum": 1},
    "max_unit": {**_INT, "minimum": 1},
    "step_size": {**_INT, "minimum": 1},
    "allocation_ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 3.40282e38},
}

INVENTORY: Schema = {
    "type": "object",
    "properties": INVENTORY_FIELDS,
    "required": ["total"],
    "additionalProperties": False,
}

ONE_INVENTORY: Schema = {
    "type": "object",
    "properties": {**INVENTORY_FIELDS, "resource_provider_generation": GENERATION},
    "required": ["total", "resource_provider_generation"],
    "additionalProperties": False,
}

NEW_INVENTORY: Schema = {
    "type": "object",
    "properties": {**INVENTORY_FIELDS, "resource_provider_generation": GENERATION,
                   "resource_class": {"type": "string", "pattern": RC_PATTERN}},
    # Placement takes a new class's inventory without a generation.
    "required": ["total", "resource_class"],
    "additionalProperties": False,
}

ALL_INVENTORIES: Schema = {
    "type": "object",
    "properties": {
        "resource_provider_generation": GENERATION,
        "inventories": {
            "type": "object",
            "patternProperties": {RC_PATTERN: INVENTORY},
            "additionalProperties": False,
        },
    },
    "required": ["resource_provider_generation", "inventories"],
    "additionalProperties": False,
}

ALL = [INVENTORY, ONE_INVENTORY, NEW_INVENTORY, ALL_INVENTORIES]
