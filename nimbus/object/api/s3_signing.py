"""Reading an S3 request's signature: SigV4 in the ``Authorization`` header or in the query (a
presigned URL), or S3's older version 2 in either place.

What the client signed is rebuilt here from the request as received (its raw path, its query,
the headers it names); identity then says whether the signature is the one the key's secret
gives (``manager/s3_auth``), and who the key belongs to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from nimbus.core import awssig
from nimbus.core.api.routing import ApiRequest
from nimbus.object.manager.s3_auth import BadSignature, UnknownKey, Verified
from nimbus.object.schemas import dates
from nimbus.object.schemas.s3_errors import (
    S3Error,
    access_denied,
    invalid_access_key,
    signature_mismatch,
)
from nimbus.object.state import ObjectState

# How far a signed request's clock may be from ours (S3's own limit).
MAX_SKEW = dt.timedelta(minutes=15)
# The longest a presigned URL may be valid for (seven days, as S3).
MAX_EXPIRES = 7 * 24 * 3600
UNSIGNED = "UNSIGNED-PAYLOAD"
# Where the S3 API is served, below the object service's prefix.
S3_PATH = "/s3"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
# Query parameters that name a sub-resource: version 2 signs them as part of the resource.
V2_SUBRESOURCES = frozenset({
    "acl", "delete", "location", "partNumber", "uploadId", "uploads", "versionId", "versioning",
    "response-content-type", "response-content-language", "response-expires",
    "response-cache-control", "response-content-disposition", "response-content-encoding",
    "tagging", "policy", "cors", "lifecycle", "website", "logging", "notification",
})


@dataclass
class Signed:
    """A request whose signature identity accepted."""

    access: str
    verified: Verified
    # SigV4 only: what chunk signatures chain from, and the body's declared hash.
    scope: awssig.Scope | None = None
    amz_date: str = ""
    signature: str = ""
    payload_hash: str = UNSIGNED


def query_pairs(raw_query: bytes) -> list[tuple[str, str]]:
    """The query as decoded pairs; ``+`` stays a plus, as S3 reads it."""
    pairs = []
    for item in raw_query.decode("latin-1").split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def _parse_amz_date(value: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise access_denied() from None


def _check_skew(when: dt.datetime) -> None:
    now = dt.datetime.now(dt.UTC)
    if abs(now - when) > MAX_SKEW:
        raise S3Error("RequestTimeTooSkewed", "The difference between the request time and "
                      "the current time is too large.", 403,
                      RequestTime=when.strftime("%Y%m%dT%H%M%SZ"),
                      ServerTime=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                      MaxAllowedSkewMilliseconds="900000")


def _auth_fields(header: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in header[len(awssig.ALGORITHM):].split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            raise S3Error("AuthorizationHeaderMalformed", "The authorization header is "
                          "malformed.", 400)
        fields[name] = value
    return fields


def _credential(text: str) -> tuple[str, awssig.Scope]:
    access, sep, scope = text.partition("/")
    try:
        if not access or not sep:
            raise awssig.SignatureError("no scope")
        return access, awssig.Scope.parse(scope)
    except awssig.SignatureError:
        raise S3Error("AuthorizationHeaderMalformed", "The authorization header is "
                      "malformed; the Credential is mal-formed.", 400) from None


def _verify(req: ApiRequest[ObjectState], access: str, to_sign: str, signature: str,
            need_secret: bool) -> Verified:
    try:
        return req.svc.s3.auth.verify(access, to_sign.encode(), signature, need_secret)
    except BadSignature:
        raise signature_mismatch() from None
    except UnknownKey:
        raise invalid_access_key() from None


def _v4(req: ApiRequest[ObjectState], fields: Mapping[str, str], amz_date: str,
        query: list[tuple[str, str]], payload_hash: str, presigned: bool) -> Signed:
    access, scope = _credential(fields.get("Credential", ""))
    _parse_amz_date(amz_date)
    if scope.date != amz_date[:8]:
        raise signature_mismatch()
    signed = [h for h in fields.get("SignedHeaders", "").split(";") if h]
    if "host" not in signed:
        raise access_denied()
    headers = {name.lower(): value for name, value in req.headers.items()}
    canonical = awssig.canonical_request(
        req.method, req.raw_path.decode("latin-1") or "/",
        awssig.canonical_query(query, skip="X-Amz-Signature" if presigned else None),
        headers, signed, payload_hash)
    to_sign = awssig.string_to_sign(amz_date, scope, canonical)
    signature = fields.get("Signature", "")
    verified = _verify(req, access, to_sign, signature, payload_hash == STREAMING_SIGNED)
    return Signed(access, verified, scope, amz_date, signature, payload_hash)


def _v4_header(req: ApiRequest[ObjectState], header: str,
               query: list[tuple[str, str]]) -> Signed:
    fields = _auth_fields(header)
    amz_date = req.headers.get("x-amz-date", "")
    if not amz_date:
        stamp = dates.parse_http_date(req.headers.get("date", ""))
        if stamp is None:
            raise access_denied()
        amz_date = dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    _check_skew(_parse_amz_date(amz_date))
    payload_hash = req.headers.get("x-amz-content-sha256")
    if not payload_hash:
        raise S3Error("InvalidRequest", "Missing required header for this request: "
                      "x-amz-content-sha256", 400)
    return _v4(req, fields, amz_date, query, payload_hash, presigned=False)


def _v4_query(req: ApiRequest[ObjectState], params: Mapping[str, str],
              query: list[tuple[str, str]]) -> Signed:
    amz_date = params.get("X-Amz-Date", "")
    when = _parse_amz_date(amz_date)
    try:
        expires = int(params.get("X-Amz-Expires", ""))
    except ValueError:
        raise S3Error("AuthorizationQueryParametersError", "X-Amz-Expires should be a "
                      "number", 400) from None
    if not 0 <= expires <= MAX_EXPIRES:
        raise S3Error("AuthorizationQueryParametersError", "X-Amz-Expires must be less than "
                      "a week (in seconds); that is, the given X-Amz-Expires must be less "
                      "than 604800 seconds", 400)
    now = dt.datetime.now(dt.UTC)
    if when - now > MAX_SKEW:
        raise access_denied()
    if now > when + dt.timedelta(seconds=expires):
        raise S3Error("AccessDenied", "Request has expired", 403,
                      Expires=(when + dt.timedelta(seconds=expires)).strftime(
                          "%Y-%m-%dT%H:%M:%SZ"),
                      ServerTime=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    fields = {"Credential": params.get("X-Amz-Credential", ""),
              "SignedHeaders": params.get("X-Amz-SignedHeaders", ""),
              "Signature": params.get("X-Amz-Signature", "")}
    payload_hash = req.headers.get("x-amz-content-sha256") or UNSIGNED
    return _v4(req, fields, amz_date, query, payload_hash, presigned=True)


def _v2(req: ApiRequest[ObjectState], access: str, signature: str, date_line: str,
        query: list[tuple[str, str]]) -> Signed:
    """S3's version 2: HMAC-SHA1 over the method, two headers, the date and the resource."""
    amz = sorted((name.lower(), " ".join(value.split())) for name, value in req.headers.items()
                 if name.lower().startswith("x-amz-"))
    merged: dict[str, str] = {}
    for name, value in amz:
        merged[name] = f"{merged[name]},{value}" if name in merged else value
    # Version 2 signs the S3 resource (``/bucket/key``), not where the API is mounted.
    resource = req.raw_path.decode("latin-1").removeprefix(req.prefix + S3_PATH) or "/"
    subs = sorted((k, v) for k, v in query if k in V2_SUBRESOURCES)
    if subs:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in subs)
    lines = [req.method, req.headers.get("content-md5", ""),
             req.headers.get("content-type", ""), date_line,
             *[f"{k}:{v}" for k, v in merged.items()], resource]
    verified = _verify(req, access, "\n".join(lines), signature, False)
    return Signed(access, verified)


def authenticate(req: ApiRequest[ObjectState]) -> Signed | None:
    """The request's verified signer; None for a request that carries no signature."""
    query = query_pairs(req.raw_query)
    params = dict(query)
    header = req.headers.get("authorization", "")
    if header.startswith(awssig.ALGORITHM):
        return _v4_header(req, header, query)
    if params.get("X-Amz-Algorithm") == awssig.ALGORITHM:
        return _v4_query(req, params, query)
    if header.startswith("AWS "):
        access, _, signature = header[4:].rpartition(":")
        date = "" if "x-amz-date" in req.headers else req.headers.get("date", "")
        stamp = dates.parse_http_date(req.headers.get("x-amz-date") or date)
        if stamp is None:
            raise access_denied()
        _check_skew(dt.datetime.fromtimestamp(stamp, dt.UTC))
        return _v2(req, access, signature, date, query)
    if "AWSAccessKeyId" in params and "Signature" in params:
        try:
            expires = int(params.get("Expires", ""))
        except ValueError:
            raise access_denied() from None
        if dt.datetime.now(dt.UTC).timestamp() > expires:
            raise S3Error("AccessDenied", "Request has expired", 403)
        return _v2(req, params["AWSAccessKeyId"], params["Signature"], str(expires), query)
    if header:
        raise S3Error("AccessDenied", "Unsupported Authorization Type", 403)
    return None
