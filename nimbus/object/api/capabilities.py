"""The ``GET /info`` sections of the Swift middleware Nimbus serves: only those that work."""

from __future__ import annotations

from nimbus.object.api import symlinks
from nimbus.object.schemas import slo


def middleware_capabilities() -> dict[str, object]:
    return {
        "account_quotas": {},
        "container_quotas": {},
        "object_versioning": {},
        "versioned_writes": {"allowed_flags": ["x-versions-location", "x-history-location"]},
        "symlink": {"symloop_max": symlinks.SYMLOOP_MAX, "static_links": True},
        "slo": {
            "max_manifest_segments": slo.MAX_MANIFEST_SEGMENTS,
            "max_manifest_size": slo.MAX_MANIFEST_SIZE,
            "min_segment_size": slo.MIN_SEGMENT_SIZE,
            "yield_frequency": slo.YIELD_FREQUENCY,
        },
    }
