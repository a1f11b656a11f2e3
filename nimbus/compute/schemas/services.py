"""The ``os-services`` list's query: by host, by binary."""

from __future__ import annotations

from nimbus.compute.schemas.common import without_nul
from nimbus.core.api import validation

LIST_QUERY = without_nul(validation.query({"host": {"type": "string", "maxLength": 255},
                                           "binary": {"type": "string", "maxLength": 255}}))
