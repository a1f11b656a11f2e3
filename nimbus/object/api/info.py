"""``GET /info``: the capabilities document clients and tempest read to decide what to use.

Only what is implemented is listed (the middleware sections: api/capabilities.py).
Dynamic large objects and object expiry are served, but Swift gives them no section here.
"""

from __future__ import annotations

import json

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.object.api import container_sync, pipeline
from nimbus.object.api.capabilities import middleware_capabilities
from nimbus.object.api.common import reply, swift_view
from nimbus.object.schemas.constraints import limits
from nimbus.object.state import ObjectState

router = Router()
SWIFT_VERSION = "2.34.0"


def capabilities() -> dict[str, object]:
    return {
        "swift": {
            "version": SWIFT_VERSION,
            **limits(),
            "allow_account_management": False,
            "account_autocreate": True,
            "strict_cors_mode": True,
            "policies": [{"name": "Policy-0", "aliases": "Policy-0", "default": True}],
        },
        **middleware_capabilities(),
        **pipeline.capabilities(),
    }


@router.get("/info", public=True)
@swift_view
def info(req: ApiRequest[ObjectState]) -> Response:
    """Show the cluster's capabilities and limits."""
    return reply(200, body=json.dumps({**capabilities(), **container_sync.capabilities(req.svc)}),
                 content_type="application/json; charset=UTF-8")


@router.get("/healthcheck", public=True)
@swift_view
def healthcheck(req: ApiRequest[ObjectState]) -> Response:
    """Answer ``OK`` while the proxy serves (Swift's healthcheck middleware)."""
    return reply(200, body="OK", content_type="text/plain")
