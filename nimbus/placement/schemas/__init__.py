"""Request schemas for Placement (JSON Schema draft 2020-12), and what they share."""

from __future__ import annotations

from nimbus.core.api.validation import Schema

UUID_PATTERN = (r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                r"[0-9a-fA-F]{12}$")
RC_PATTERN = r"^[A-Z0-9_]+$"
CUSTOM_RC_PATTERN = r"^CUSTOM_[A-Z0-9_]+$"
TRAIT_PATTERN = r"^[A-Z0-9_]+$"
MAX_INT = 2147483647

UUID: Schema = {"type": "string", "pattern": UUID_PATTERN}
GENERATION: Schema = {"type": "integer"}
OBJECT: Schema = {"type": "object"}
