"""The ``os-services`` list's query: by host, by binary."""

from __future__ import annotations

from nimbus.core.api import validation

LIST_QUERY = validation.query({"host": {"type": "string", "maxLength": 255},
                               "binary": {"type": "string", "maxLength": 255}})
