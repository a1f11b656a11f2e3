"""S3's object operations: Get/Head/Put/Delete/CopyObject and object ACLs, and, by their
query, the multipart upload operations (``s3_uploads``) on the same path."""

from __future__ import annotations

from starlette.responses import Response, StreamingResponse

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NotFound
from nimbus.object.api import s3_uploads as uploads
from nimbus.object.api.s3_body import body, declared_length
from nimbus.object.api.s3_buckets import BUCKET_PATH
from nimbus.object.api.s3_common import (
    FAULT_TYPES,
    account,
    empty,
    enforce,
    owner,
    s3_view,
    xml_reply,
)
from nimbus.object.api.s3_signing import STREAMING_SIGNED, Signed, query_pairs
from nimbus.object.manager.records import ObjectInfo, PutRequest
from nimbus.object.manager.s3_multipart import S3_ETAG_META
from nimbus.object.schemas import conditional, dates, metadata, ranges, s3_xml
from nimbus.object.schemas.constraints import check_object_name
from nimbus.object.schemas.s3_errors import S3Error, not_implemented
from nimbus.object.state import ObjectState

router = Router()
OBJECT_PATH = BUCKET_PATH + "/{key:path}"
# Query parameters a (presigned) GET may set the answer's headers with.
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}
# Canned ACLs a PutObject may name. Swift has no per-object ACL: as its s3api, the name is
# checked and the bucket's ACL goes on applying (a bucket's public-read makes its objects so).
CANNED = ("private", "public-read", "public-read-write", "authenticated-read",
          "bucket-owner-read", "bucket-owner-full-control", "aws-exec-read")

def _key(req: ApiRequest[ObjectState]) -> str:
    key = req.params["key"]
    check_object_name(key)
    return key


def s3_etag(info: ObjectInfo) -> str:
    """A completed multipart upload's ETag, or the MD5 of the object's bytes."""
    return info.sysmeta.get(S3_ETAG_META) or info.etag


def _headers(info: ObjectInfo) -> dict[str, str]:
    headers = {"ETag": f'"{s3_etag(info)}"', "Last-Modified": dates.http_date(info.meta_ts),
               "Content-Type": info.content_type, "Accept-Ranges": "bytes"}
    for name, value in metadata.user_only(info.meta).items():
        headers[f"x-amz-meta-{name}"] = value
    return headers


def _check_object_acl(req: ApiRequest[ObjectState]) -> None:
    canned = req.headers.get("x-amz-acl")
    if canned is not None and canned not in CANNED:
        raise S3Error("InvalidArgument", "Invalid canned ACL.", 400, ArgumentName="x-amz-acl",
                      ArgumentValue=canned)


# -- reading --------------------------------------------------------------------------------

def read(req: ApiRequest[ObjectState], signed: Signed) -> Response:
    """GetObject and HeadObject (one range at most), GetObjectAcl, ListParts."""
    args = dict(query_pairs(req.raw_query))
    key = _key(req)
    if "uploadId" in args and req.method == "GET":
        return uploads.list_parts(req, signed, key, args)
    enforce(req, "object:object:get")
    bucket, acct = req.params["bucket"], account(req)
    objects = req.svc.objects
    info = objects.resolve(objects.info(acct, bucket, key))
    if "acl" in args:
        read_acl = req.svc.containers.container_info(acct, bucket).read_acl or ""
        return xml_reply(s3_xml.acl(*owner(req), public_read=".r:*" in read_acl,
                                    public_write=False))
    headers = _headers(info)
    if conditional.not_modified(req.headers, s3_etag(info), info.meta_ts):
        return empty(304, {k: v for k, v in headers.items() if k != "Content-Type"})
    for param, header in RESPONSE_OVERRIDES.items():
        if param in args and req.method == "GET":
            headers[header] = args[param]
    wanted = ranges.parse(req.headers.get("range"), info.size)
    start, end, status = 0, info.size, 200
    if wanted is not None and len(wanted) == 1:
        start, end = wanted[0]
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{info.size}"
    headers["Content-Length"] = str(end - start)
    if req.method == "HEAD":
        return Response(b"", status_code=status, headers=headers)
    return StreamingResponse(objects.read(info, start, end), status_code=status,
                             headers=headers)


# -- writing --------------------------------------------------------------------------------

def write(req: ApiRequest[ObjectState], signed: Signed) -> Response:
    """PutObject, CopyObject, PutObjectAcl, UploadPart (and UploadPartCopy)."""
    args = dict(query_pairs(req.raw_query))
    key = _key(req)
    if "uploadId" in args:
        return uploads.upload_part(req, signed, key, args)
    bucket, acct = req.params["bucket"], account(req)
    if "acl" in args:
        # As Swift's s3api: an object has no ACL of its own to set.
        enforce(req, "object:object:post")
        req.svc.objects.info(acct, bucket, key)
        raise not_implemented("PutObjectAcl (a bucket's ACL applies to its objects)")
    _check_object_acl(req)
    source = uploads.copy_source(req)
    if source is not None:
        return _copy(req, source, bucket, key)
    enforce(req, "object:object:put")
    length = declared_length(req)
    if length is None and signed.payload_hash != STREAMING_SIGNED:
        raise S3Error("MissingContentLength", "You must provide the Content-Length HTTP "
                      "header.", 411)
    _check_quota(req, acct, bucket, length)
    request = PutRequest(content_type=uploads.content_type(req, key),
                         meta=uploads.user_meta(req.headers),
                         expected_etag=uploads.content_md5(req.headers))
    info = req.svc.objects.put(acct, bucket, key, body(req, signed), request)
    return empty(headers={"ETag": f'"{info.etag}"'})


def _check_quota(req: ApiRequest[ObjectState], acct: str, bucket: str,
                 size: int | None) -> None:
    """The account's and the bucket's (container's) quotas hold for S3 writes too: Swift's
    s3api sits in front of the quota middlewares and words their 413 as S3 does."""
    if req.svc.quotas.exceeded(acct, bucket, size):
        raise S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed "
                      "object size.", 400)


def _copy(req: ApiRequest[ObjectState], source: tuple[str, str], bucket: str,
          key: str) -> Response:
    """CopyObject: the source's bytes, with its metadata (``COPY``) or the request's
    (``REPLACE``)."""
    enforce(req, "object:object:copy")
    src = uploads.read_source(req, *source)
    directive = req.headers.get("x-amz-metadata-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise S3Error("InvalidArgument", "Unknown metadata directive.", 400,
                      ArgumentName="x-amz-metadata-directive", ArgumentValue=directive)
    if directive == "COPY":
        if source == (bucket, key):
            raise S3Error("InvalidRequest", "This copy request is illegal because it is trying "
                          "to copy an object to itself without changing the object's "
                          "metadata, storage class, website redirect location or encryption "
                          "attributes.", 400)
        meta = dict(src.meta)
        ctype = src.content_type
    else:
        meta = uploads.user_meta(req.headers)
        ctype = uploads.content_type(req, key)
    _check_quota(req, account(req), bucket, src.size)
    request = PutRequest(content_type=ctype, meta=metadata.merged({}, meta, "object"))
    info = req.svc.objects.copy(src, account(req), bucket, key, request)
    return xml_reply(s3_xml.copy_result("CopyObjectResult", info.etag,
                                        s3_xml.iso_date(info.meta_ts)))


def post(req: ApiRequest[ObjectState], signed: Signed) -> Response:
    """CreateMultipartUpload (``?uploads``) and CompleteMultipartUpload (``?uploadId``)."""
    args = dict(query_pairs(req.raw_query))
    key = _key(req)
    if "uploads" in args:
        return uploads.create(req, signed, key)
    if "uploadId" in args:
        return uploads.complete(req, signed, key, args)
    enforce(req, "object:object:post")
    raise not_implemented("This POST on an object")


def delete(req: ApiRequest[ObjectState], signed: Signed) -> Response:
    """DeleteObject (one that does not exist is deleted too), or AbortMultipartUpload."""
    args = dict(query_pairs(req.raw_query))
    key = _key(req)
    if "uploadId" in args:
        return uploads.abort(req, signed, key, args)
    enforce(req, "object:object:delete")
    bucket, acct = req.params["bucket"], account(req)
    try:
        req.svc.objects.delete(acct, bucket, key)
    except NotFound as err:
        if err.kwargs.get("resource") == "container":
            raise
    return empty(204)


# HEAD first: Starlette lets a GET route answer HEAD too.
router.head(OBJECT_PATH, public=True, fault_types=FAULT_TYPES,
            faults=(403, 404, 412))(s3_view(read))
router.get(OBJECT_PATH, public=True, fault_types=FAULT_TYPES,
           also=(206, 304), faults=(403, 404, 412, 416))(s3_view(read))
router.put(OBJECT_PATH, public=True, fault_types=FAULT_TYPES, stream=True, content_types=("*/*",),
           faults=(403, 404, 411))(s3_view(write))
router.post(OBJECT_PATH, public=True, fault_types=FAULT_TYPES, stream=True, content_types=("*/*",),
            faults=(403, 404))(s3_view(post))
router.delete(OBJECT_PATH, public=True, fault_types=FAULT_TYPES, faults=(403, 404))(s3_view(delete))
