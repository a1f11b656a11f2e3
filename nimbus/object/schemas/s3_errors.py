"""S3's errors: each a status and a code that clients branch on (``NoSuchBucket``...).

The S3 API answers every failure with S3's XML error body, so the errors the managers raise
(Swift's view of the same failure) are translated here, by kind, into S3's codes.
"""

from __future__ import annotations

from nimbus.core import errors
from nimbus.core.errors import NimbusError
from nimbus.object.errors import (
    ClientDisconnect,
    LengthRequired,
    PreconditionFailed,
    UnprocessableEntity,
)


class S3Error(NimbusError):
    """One S3 error; ``s3_code`` is what the XML body's ``<Code>`` says."""

    code = 400
    title = "Bad Request"
    message_format = "{reason}"

    def __init__(self, s3_code: str, message: str, status: int = 400, **extra: str) -> None:
        super().__init__(message, s3_code=s3_code, status=status, **extra)
        self.s3_code = s3_code
        self.status = status
        self.extra = extra


def no_such_bucket(name: str) -> S3Error:
    return S3Error("NoSuchBucket", "The specified bucket does not exist", 404, BucketName=name)


def no_such_key(key: str) -> S3Error:
    return S3Error("NoSuchKey", "The specified key does not exist.", 404, Key=key)


def access_denied() -> S3Error:
    return S3Error("AccessDenied", "Access Denied.", 403)


def signature_mismatch() -> S3Error:
    return S3Error("SignatureDoesNotMatch", "The request signature we calculated does not "
                   "match the signature you provided. Check your key and signing method.", 403)


def invalid_access_key() -> S3Error:
    return S3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist "
                   "in our records.", 403)


def invalid_argument(message: str, name: str = "", value: str = "") -> S3Error:
    extra = {"ArgumentName": name, "ArgumentValue": value} if name else {}
    return S3Error("InvalidArgument", message, 400, **extra)


def not_implemented(what: str) -> S3Error:
    return S3Error("NotImplemented", f"{what} is not implemented.", 501)


def malformed_xml() -> S3Error:
    return S3Error("MalformedXML", "The XML you provided was not well-formed or did not "
                   "validate against our published schema.", 400)


def translate(err: NimbusError, bucket: str | None, key: str | None) -> S3Error:
    """The S3 error a manager's (Swift-worded) error stands for."""
    if isinstance(err, S3Error):
        return err
    resource = str(err.kwargs.get("resource", ""))
    if isinstance(err, errors.NotFound):
        if resource == "container" or key is None:
            return no_such_bucket(bucket or "")
        return no_such_key(key)
    if isinstance(err, errors.Conflict) and key is None:
        return S3Error("BucketNotEmpty", "The bucket you tried to delete is not empty", 409,
                       BucketName=bucket or "")
    if isinstance(err, errors.RangeNotSatisfiable):
        return S3Error("InvalidRange", "The requested range is not satisfiable", 416)
    if isinstance(err, errors.Forbidden | errors.Unauthorized):
        return access_denied()
    if isinstance(err, UnprocessableEntity):
        return S3Error("BadDigest", "The Content-MD5 you specified did not match what we "
                       "received.", 400)
    if isinstance(err, PreconditionFailed):
        return S3Error("PreconditionFailed", "At least one of the pre-conditions you "
                       "specified did not hold", 412)
    if isinstance(err, errors.PayloadTooLarge):
        return S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed "
                       "object size.", 400)
    if isinstance(err, LengthRequired):
        return S3Error("MissingContentLength", "You must provide the Content-Length HTTP "
                       "header.", 411)
    if isinstance(err, ClientDisconnect | errors.RequestTimeout):
        return S3Error("RequestTimeout", "Your socket connection to the server was not read "
                       "from or written to within the timeout period.", 400)
    if isinstance(err, errors.ServiceUnavailable):
        return S3Error("ServiceUnavailable", "Please reduce your request rate.", 503)
    if isinstance(err, errors.BadRequest):
        return S3Error("InvalidRequest", err.message, 400)
    return S3Error("InternalError", "We encountered an internal error. Please try again.", 500)
