"""``/v3/OS-OAUTH1/consumers``."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import BadRequest
from nimbus.identity.api.common import base
from nimbus.identity.schemas import oauth, views
from nimbus.identity.schemas.rows import OAuthConsumer
from nimbus.identity.state import IdentityState

router = Router()


def _view(req: ApiRequest[IdentityState], c: OAuthConsumer) -> dict[str, Any]:
    return {"id": c.id, "description": c.description,
            "links": {"self": f"{base(req)}/v3/OS-OAUTH1/consumers/{c.id}"}}


@router.post("/v3/OS-OAUTH1/consumers", status=201, body=oauth.CONSUMER_CREATE_BODY)
def create_consumer(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Register an OAuth consumer; its secret is shown only in this answer."""
    req.enforce("identity:create_consumer")
    data = req.json["consumer"]
    consumer, secret = req.svc.consumers.create(data.get("description"))
    view = _view(req, consumer)
    view["secret"] = secret
    return {"consumer": view}


@router.get("/v3/OS-OAUTH1/consumers")
def list_consumers(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List OAuth consumers."""
    req.enforce("identity:list_consumers")
    return views.collection(base(req), "OS-OAUTH1/consumers", "consumers",
                            [_view(req, c) for c in req.svc.consumers.list()])


@router.get("/v3/OS-OAUTH1/consumers/{consumer_id}")
def show_consumer(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show an OAuth consumer."""
    req.enforce("identity:get_consumer")
    return {"consumer": _view(req, req.svc.consumers.get(req.params["consumer_id"]))}


@router.patch("/v3/OS-OAUTH1/consumers/{consumer_id}", body=oauth.CONSUMER_UPDATE_BODY)
def update_consumer(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update an OAuth consumer's description."""
    req.enforce("identity:update_consumer")
    data = req.json["consumer"]
    if data.get("id") not in (None, req.params["consumer_id"]):
        raise BadRequest("Invalid input for field 'id': a consumer's id cannot be changed.")
    consumer = req.svc.consumers.update(req.params["consumer_id"], data.get("description"))
    return {"consumer": _view(req, consumer)}


@router.delete("/v3/OS-OAUTH1/consumers/{consumer_id}", status=204)
def delete_consumer(req: ApiRequest[IdentityState]) -> None:
    """Delete an OAuth consumer."""
    req.enforce("identity:delete_consumer")
    req.svc.consumers.delete(req.params["consumer_id"])
