"""``GET /crossdomain.xml`` (Swift's crossdomain): the policy that lets Flash and Silverlight
clients served from other sites call this API. Nothing is secret here, so it needs no token."""

from __future__ import annotations

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.object.api.common import reply, swift_view
from nimbus.object.state import ObjectState

router = Router()
# Swift's default: any site, over plain HTTP too (operators of public clouds keep it).
POLICY = '<allow-access-from domain="*" secure="false" />'


def document(policy: str = POLICY) -> str:
    return ('<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy SYSTEM '
            '"http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n'
            f"<cross-domain-policy>\n{policy}\n</cross-domain-policy>")


@router.get("/crossdomain.xml", public=True)
@swift_view
def crossdomain(req: ApiRequest[ObjectState]) -> Response:
    """Show the cross-domain policy."""
    return reply(200, body=document(), content_type="application/xml")
