"""Schemathesis hooks for Nimbus's documents (loaded through ``SCHEMATHESIS_HOOKS``).

Glance's image update takes JSON Patch under its own media types; they are JSON on the wire.
"""

from __future__ import annotations

import schemathesis

schemathesis.serializer.alias(
    ["application/openstack-images-v2.1-json-patch",
     "application/openstack-images-v2.0-json-patch"],
    "application/json")
