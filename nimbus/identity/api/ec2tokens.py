"""``POST /v3/ec2tokens`` and ``POST /v3/s3tokens``: signed requests exchanged for a token.

As in Keystone since OSSA-2025-002, only services (and admins) may ask: an open endpoint would
let anyone who holds a presigned URL turn it into a token.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest, Reply
from nimbus.core.api.routing import Router
from nimbus.core.errors import BadRequest
from nimbus.identity.manager.ec2_tokens import Ec2Tokens
from nimbus.identity.state import IdentityState

router = Router()

# Keystone never had a schema for these bodies; any object is read as it reads it.
SIGNED_REQUEST: dict[str, Any] = {"type": "object"}


def _exchange(req: ApiRequest[IdentityState]) -> Ec2Tokens:
    if not req.json:
        raise BadRequest("request must include a request body")
    st = req.svc
    return Ec2Tokens(st.creds, st.users, st.resource, st.tokens)


@router.post("/v3/ec2tokens", status=200, body=SIGNED_REQUEST, faults=(401, 403, 404))
def ec2tokens(req: ApiRequest[IdentityState]) -> Reply:
    """Check an EC2-signed request and issue a token on the credential's project."""
    req.enforce("identity:ec2tokens_validate")
    issued = _exchange(req).ec2(req.json)
    return Reply({"token": issued.body}, headers={"X-Subject-Token": issued.token})


@router.post("/v3/s3tokens", status=200, body=SIGNED_REQUEST, faults=(401, 403, 404))
def s3tokens(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Check the signature of an S3 string to sign; the token body (no token is handed out)."""
    req.enforce("identity:s3tokens_validate")
    return {"token": _exchange(req).s3(req.json).body}
