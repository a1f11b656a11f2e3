"""What every S3 handler shares: signature checks, the caller's account, policy, and S3's XML
error body for every failure.

A bucket is a container of the account of the signing credential's project
(``AUTH_<project_id>``) and an object is an object in it: the same data Swift's API shows.
Every request is checked against the same policy rules as Swift's (``object:container:put``...),
with the account's project as the target, so a reader may list and read but not write.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import NimbusError, PolicyNotAuthorized
from nimbus.object.api.common import trans_id
from nimbus.object.api.s3_signing import S3_PATH, Signed, authenticate
from nimbus.object.constants import RESELLER_PREFIX
from nimbus.object.schemas import s3_xml
from nimbus.object.schemas.s3_errors import S3Error, access_denied, translate
from nimbus.object.state import ObjectState

LOG = logging.getLogger(__name__)
XML = "application/xml"
# What the S3 routes' faults come in (documented beside the Swift ones).
FAULT_TYPES = (XML,)
# The path the S3 API is served on, below the object service's prefix.
S3_PREFIX = S3_PATH

Handler = Callable[[ApiRequest[ObjectState], Signed], Response]


def _fill(req: ApiRequest[ObjectState], token: Mapping[str, Any]) -> None:
    """The request context of the credential's user on its project, from identity's answer."""
    ctx = req.ctx
    user = token.get("user") or {}
    project = token.get("project") or {}
    ctx.user_id = user.get("id")
    ctx.user_name = user.get("name")
    ctx.user_domain_id = (user.get("domain") or {}).get("id")
    ctx.project_id = project.get("id")
    ctx.project_name = project.get("name")
    ctx.project_domain_id = (project.get("domain") or {}).get("id")
    ctx.roles = [str(role.get("name")) for role in token.get("roles") or []]
    ctx.audit_ids = list(token.get("audit_ids") or [])
    ctx.authenticated = True


def account(req: ApiRequest[ObjectState]) -> str:
    return f"{RESELLER_PREFIX}{req.ctx.project_id}"


def owner(req: ApiRequest[ObjectState]) -> tuple[str, str]:
    """S3's owner of everything the caller sees: the project (its id and name)."""
    return str(req.ctx.project_id), str(req.ctx.project_name or req.ctx.project_id)


def enforce(req: ApiRequest[ObjectState], action: str) -> None:
    """Policy on the caller's own account; a refusal is S3's AccessDenied."""
    try:
        req.enforce(action, {"project_id": req.ctx.project_id or ""})
    except PolicyNotAuthorized:
        raise access_denied() from None


def xml_reply(body: bytes, status: int = 200, headers: Mapping[str, str] | None = None
              ) -> Response:
    return Response(body, status_code=status, media_type=XML, headers=dict(headers or {}))


def empty(status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    all_headers = {"Content-Length": "0", **(headers or {})}
    return Response(b"", status_code=status, headers=all_headers)


def _resource(req: ApiRequest[ObjectState]) -> str:
    bucket, key = req.params.get("bucket"), req.params.get("key")
    return "/" + "/".join(part for part in (bucket, key) if part)


def _error(req: ApiRequest[ObjectState], err: S3Error) -> Response:
    tx = trans_id(req.ctx.request_id)
    headers = {"x-amz-request-id": tx, "x-amz-id-2": tx, **err.headers}
    if req.method == "HEAD":
        # A HEAD answer has no body; clients read the status alone.
        return Response(b"", status_code=err.status, headers={
            **headers, "Content-Length": "0", "Content-Type": XML})
    return Response(s3_xml.error(err, _resource(req), tx), status_code=err.status,
                    media_type=XML, headers=headers)


def s3_view(func: Handler) -> Callable[[ApiRequest[ObjectState]], Response]:
    """Authenticate the signature, run the handler, and word any failure as S3 does."""

    @functools.wraps(func)
    def wrapper(req: ApiRequest[ObjectState]) -> Response:
        bucket, key = req.params.get("bucket"), req.params.get("key")
        try:
            signed = authenticate(req)
            if signed is None:
                # Buckets live in the signer's account: without a signature there is none.
                raise access_denied()
            _fill(req, signed.verified.token)
            response = func(req, signed)
            if not req.ctx.enforced:
                raise AssertionError(f"{func.__qualname__} did not enforce policy")
        except NimbusError as err:
            return _error(req, translate(err, bucket, key))
        except IntegrityError:
            return _error(req, S3Error("OperationAborted", "A conflicting conditional "
                                       "operation is currently in progress against this "
                                       "resource. Please try again.", 409))
        tx = trans_id(req.ctx.request_id)
        response.headers["x-amz-request-id"] = tx
        response.headers["x-amz-id-2"] = tx
        return response

    return wrapper
