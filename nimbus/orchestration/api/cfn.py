"""Heat's CloudFormation-compatible Query API (heat-api-cfn), below the orchestration prefix
at ``/cfn/v1`` (catalog type ``cloudformation``): one path, the action named by ``Action`` in
the query or a form body, answered in XML.

A request is signed with an EC2 credential (SigV4 as boto3 signs it, or version 2), and the
route, public to the dispatcher, checks the signature itself through identity's
``/v3/ec2tokens``, as Heat's ec2token filter does; the token identity issues then stands for
the signer like any token. A request with a token of its own (``X-Auth-Token``) needs no
signature, as Heat's pipeline also accepts.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import parse_qsl

from starlette.responses import Response

from nimbus.core import awssig
from nimbus.core.api.routing import Router
from nimbus.core.auth import access_rules
from nimbus.core.errors import NimbusError
from nimbus.orchestration.api import cfn_xml
from nimbus.orchestration.api.cfn_actions import ACTIONS
from nimbus.orchestration.api.cfn_xml import XML, AwsError, validation
from nimbus.orchestration.api.common import Req
from nimbus.orchestration.constants import CFN_PATH
from nimbus.orchestration.manager import cfn_auth

LOG = logging.getLogger(__name__)
router = Router()
FORM = "application/x-www-form-urlencoded"


def _params(req: Req) -> dict[str, str]:
    """The query's parameters and a form body's (as webob's ``params`` reads them for Heat),
    the first of a repeated name winning."""
    pairs = list(req.query.multi_items())
    kind = req.headers.get("content-type", "").split(";")[0].strip().lower()
    if req.method == "POST" and kind in (FORM, ""):
        try:
            text = req.raw_body.decode("utf-8")
        except UnicodeDecodeError:
            raise validation("The request body is not UTF-8 text.") from None
        pairs += parse_qsl(text, keep_blank_values=True)
    found: dict[str, str] = {}
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            # No name or template holds NUL, and the database could not store one.
            raise validation(f"The parameter {name[:40]!r} contains NUL.")
        found.setdefault(name, value)
    return found


def _signature(req: Req, params: dict[str, str]) -> tuple[str, str]:
    """(signature, access key) wherever the request carries them: version 2's
    ``Signature``/``AWSAccessKeyId``, a presigned SigV4 query, or the SigV4 header."""
    signature = params.get("Signature") or params.get("X-Amz-Signature") or ""
    access = params.get("AWSAccessKeyId") or params.get("X-Amz-Credential", "").split("/")[0]
    header = req.headers.get("authorization", "")
    if header.startswith(awssig.ALGORITHM):
        fields: dict[str, str] = {}
        for item in header[len(awssig.ALGORITHM):].split(","):
            name, _, value = item.strip().partition("=")
            fields[name] = value
        signature = signature or fields.get("Signature", "")
        access = access or fields.get("Credential", "").split("/")[0]
    return signature, access


def _authenticate(req: Req, params: dict[str, str]) -> None:
    signature, access = _signature(req, params)
    if not signature:
        if req.ctx.authenticated:
            return
        raise AwsError("IncompleteSignature", "The request carries no AWS signature.")
    if not access:
        raise AwsError("MissingAuthenticationToken",
                       "The request names no AWS access key.", 403)
    # Version 2 signs every parameter, form body included; SigV4 signs the query string and
    # covers the body by its hash.
    version2 = "Signature" in params
    signed = cfn_auth.SignedRequest(
        access=access, signature=signature, host=req.headers.get("host", ""),
        verb=req.method, path=req.path,
        params={k: v for k, v in params.items() if k != "Signature"} if version2
        else dict(req.query.items()),
        headers=dict(req.headers.items()), body_hash=hashlib.sha256(req.raw_body).hexdigest())
    # The API drops a path's trailing slash before it gets here; a client may have signed it.
    paths = [req.path] if req.path.endswith("/") else [req.path, req.path + "/"]
    try:
        token = cfn_auth.signer_token(req.svc.platform, signed, paths)
    except cfn_auth.UnknownKey:
        raise AwsError("InvalidClientTokenId", "The AWS access key does not exist.",
                       403) from None
    except cfn_auth.BadSignature:
        raise AwsError("SignatureDoesNotMatch", "The request signature does not match the "
                       "one the access key's secret gives.", 403) from None
    except cfn_auth.Expired:
        raise AwsError("RequestExpired", "The request's signed time is too long ago.") from None
    except cfn_auth.Refused as exc:
        raise AwsError("AccessDenied", f"The signer is not allowed in: {exc}", 403) from None
    req.svc.platform.auth.fill_context(req.ctx, token)
    rules = req.ctx.access_rules
    if rules is not None and not access_rules.allowed(
            rules, {"orchestration", "cloudformation"}, req.method, req.path[len(req.prefix):]):
        raise AwsError("AccessDenied", "The application credential's access rules do not "
                       "allow this request.", 403)


def _fault(err: AwsError) -> Response:
    return Response(cfn_xml.error(err), status_code=err.status, media_type=XML)


@router.route(CFN_PATH, ["GET", "POST"], public=True, content_types=(FORM,),
              fault_types=(XML,), faults=(403, 503))
def query_api(req: Req) -> Response:
    """Run the CloudFormation action a signed request names (heat-api-cfn)."""
    try:
        params = _params(req)
        _authenticate(req, params)
        action = params.get("Action", "")
        handler = ACTIONS.get(action)
        if handler is None:
            raise AwsError("InvalidAction", f"The action {action[:64] or '(none)'} is not "
                           "valid for this endpoint.")
        body = handler(req, params)
        if not req.ctx.enforced:
            raise AssertionError(f"CloudFormation {action} did not enforce policy")
        return Response(cfn_xml.result(action, body), media_type=XML)
    except AwsError as err:
        return _fault(err)
    except NimbusError as err:
        answer = cfn_xml.translate(err)
        if answer.status >= 500:
            LOG.error("%s CloudFormation request failed: %s", req.ctx.request_id, err.message)
        return _fault(answer)
    except Exception:
        # Answered as AWS's InternalFailure, so a client reads it as the server's fault.
        LOG.exception("%s CloudFormation request failed", req.ctx.request_id)
        return _fault(AwsError("InternalFailure", "The request could not be completed because "
                               "of an internal error.", 500))
