"""S3's service and bucket operations: ListBuckets, Create/Head/DeleteBucket, ListObjects (v1
and v2), GetBucketLocation, bucket ACLs, DeleteObjects and ListMultipartUploads."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.errors import NimbusError, NotFound
from nimbus.object.api.s3_common import (
    FAULT_TYPES,
    S3_PREFIX,
    account,
    empty,
    enforce,
    owner,
    s3_view,
    xml_reply,
)
from nimbus.object.api.s3_signing import Signed, query_pairs
from nimbus.object.api.s3_uploads import read_small_body
from nimbus.object.manager.records import ListingQuery
from nimbus.object.manager.s3_multipart import SEGMENTS_SUFFIX
from nimbus.object.schemas import s3_xml
from nimbus.object.schemas.s3_errors import (
    S3Error,
    invalid_argument,
    no_such_bucket,
    not_implemented,
    translate,
)
from nimbus.object.state import ObjectState

router = Router()
BUCKET_PATH = S3_PREFIX + "/{bucket}"
# S3's DNS-compatible bucket names, as Swift's s3api checks them by default.
_BUCKET_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9][a-z0-9.-]*[a-z0-9]$")
MAX_KEYS = 1000
# Canned ACLs as container read ACLs; what S3 offers beyond these has no Swift equivalent.
CANNED_READ: dict[str, str | None] = {
    "private": None,
    "public-read": ".r:*,.rlistings",
    "authenticated-read": "*:*",
}


def check_bucket_name(name: str) -> None:
    if not _BUCKET_NAME.match(name) or ".." in name or re.fullmatch(r"[\d.]+", name):
        raise S3Error("InvalidBucketName", "The specified bucket is not valid.", 400,
                      BucketName=name)


def canned_read_acl(req: ApiRequest[ObjectState]) -> dict[str, str | None]:
    """The container ACL change an ``x-amz-acl`` header asks for (none without one)."""
    canned = req.headers.get("x-amz-acl")
    if canned is None:
        return {}
    if canned not in CANNED_READ:
        raise not_implemented(f"The canned ACL {canned!r}")
    return {"read": CANNED_READ[canned], "write": None}


def _args(req: ApiRequest[ObjectState]) -> dict[str, str]:
    return dict(query_pairs(req.raw_query))


# -- the service ----------------------------------------------------------------------------

def list_buckets(req: ApiRequest[ObjectState], signed: Signed) -> Response:
    """ListBuckets: the containers of the caller's account (not multipart segments')."""
    enforce(req, "object:account:get")
    acct = account(req)
    buckets: list[dict[str, Any]] = []
    marker = None
    while True:
        page = req.svc.accounts.list_containers(acct, ListingQuery(limit=1000, marker=marker))
        buckets.extend({"name": item["name"],
                        "created": s3_xml.from_listing_date(item["last_modified"])}
                       for item in page if not item["name"].endswith(SEGMENTS_SUFFIX))
        if len(page) < 1000:
            break
        marker = page[-1]["name"]
    return xml_reply(s3_xml.list_buckets(*owner(req), buckets))


for _path in (S3_PREFIX, S3_PREFIX + "/"):
    router.get(_path, public=True, fault_types=FAULT_TYPES, faults=(403,))(s3_view(list_buckets))


# -- one bucket -----------------------------------------------------------------------------

def create_bucket(req: ApiRequest[ObjectState], signed: Signed) -> Response:
    """CreateBucket, or PutBucketAcl with ``?acl``."""
    bucket = req.params["bucket"]
    args = _args(req)
    containers = req.svc.containers
    acct = account(req)
    if "acl" in args:
        enforce(req, "object:container:post")
        acls = canned_read_acl(req)
        if not acls:
            read_small_body(req, signed)
            raise not_implemented("An ACL other than a canned one")
        containers.update_container(acct, bucket, {}, acls)
        return empty()
    enforce(req, "object:container:put")
    check_bucket_name(bucket)
    read_small_body(req, signed)  # CreateBucketConfiguration: the region is this cloud's
    try:
        containers.container_info(acct, bucket)
    except NotFound:
        pass
    else:
        raise S3Error("BucketAlreadyOwnedByYou", "Your previous request to create the named "
                      "bucket succeeded and you already own it.", 409, BucketName=bucket)
    containers.create_container(acct, bucket, {}, canned_read_acl(req))
    return empty(headers={"Location": f"/{bucket}"})


def head_bucket(req: ApiRequest[ObjectState], signed: Signed) -> Response:
    enforce(req, "object:container:get")
    req.svc.containers.container_info(account(req), req.params["bucket"])
    return empty(headers={"x-amz-bucket-region": req.svc.s3.region})


def delete_bucket(req: ApiRequest[ObjectState], signed: Signed) -> Response:
    """DeleteBucket: only an empty one (BucketNotEmpty otherwise)."""
    enforce(req, "object:container:delete")
    bucket = req.params["bucket"]
    req.svc.containers.delete_container(account(req), bucket)
    req.svc.s3.multipart.drop_segments(account(req), bucket)
    return empty(204)


def read_bucket(req: ApiRequest[ObjectState], signed: Signed) -> Response:
    """ListObjects (v1 or v2), or a sub-resource: ``?location``, ``?acl``, ``?uploads``."""
    args = _args(req)
    enforce(req, "object:container:get")
    bucket, acct = req.params["bucket"], account(req)
    if "location" in args:
        req.svc.containers.container_info(acct, bucket)
        return xml_reply(s3_xml.location(req.svc.s3.region))
    if "acl" in args:
        info = req.svc.containers.container_info(acct, bucket)
        read_acl = info.read_acl or ""
        return xml_reply(s3_xml.acl(*owner(req), public_read=".r:*" in read_acl,
                                    public_write=False))
    if "uploads" in args:
        uploads = req.svc.s3.multipart.uploads(acct, bucket, args.get("prefix", ""))
        limit = _int_arg(args, "max-uploads", MAX_KEYS)
        for upload in uploads:
            upload["initiated"] = s3_xml.from_listing_date(upload["initiated"])
        return xml_reply(s3_xml.list_uploads(bucket, owner(req), uploads[:limit],
                                             args.get("prefix", ""), limit,
                                             len(uploads) > limit))
    for unsupported in ("versioning", "tagging", "policy", "cors", "lifecycle", "website",
                        "logging", "notification", "versions", "object-lock", "encryption"):
        if unsupported in args:
            raise not_implemented(f"The bucket's {unsupported}")
    return _list_objects(req, args, v2=args.get("list-type") == "2")


def _int_arg(args: dict[str, str], name: str, cap: int) -> int:
    text = args.get(name, str(cap))
    try:
        value = int(text)
    except ValueError:
        raise invalid_argument("Provided max-keys not an integer or within integer range",
                               name, text) from None
    if value < 0:
        raise invalid_argument(f"Argument {name} must be an integer between 0 and 2147483647",
                               name, text)
    return min(value, cap)


def _token(text: str) -> str:
    try:
        return base64.urlsafe_b64decode(text.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_argument("The continuation token provided is incorrect",
                               "continuation-token", text) from None


def _list_objects(req: ApiRequest[ObjectState], args: dict[str, str], v2: bool) -> Response:
    bucket = req.params["bucket"]
    max_keys = _int_arg(args, "max-keys", MAX_KEYS)
    prefix, delimiter = args.get("prefix", ""), args.get("delimiter", "")
    encoding = args.get("encoding-type")
    if encoding not in (None, "url"):
        raise invalid_argument("Invalid Encoding Method specified in Request", "encoding-type",
                               encoding or "")
    token = args.get("continuation-token") if v2 else None
    start_after = args.get("start-after") if v2 else None
    marker = (_token(token) if token else start_after or "") if v2 else args.get("marker", "")
    after = marker
    if delimiter and marker.endswith(delimiter) and marker.startswith(prefix):
        # A common prefix already shown: everything below it is skipped with it.
        after = marker + "\U0010ffff"
    entries = req.svc.containers.list_objects(
        account(req), bucket, ListingQuery(limit=max_keys + 1, marker=after or None,
                                           prefix=prefix or None,
                                           delimiter=delimiter or None))
    truncated = max_keys > 0 and len(entries) > max_keys
    entries = entries[:max_keys]
    contents = [{"name": e["name"], "etag": e["hash"], "size": e["bytes"],
                 "last_modified": s3_xml.from_listing_date(e["last_modified"])}
                for e in entries if "subdir" not in e]
    prefixes = [e["subdir"] for e in entries if "subdir" in e]
    page = s3_xml.Listing(bucket, prefix, delimiter, max_keys, truncated, contents, prefixes,
                          encoding)
    last = (entries[-1].get("name") or entries[-1].get("subdir")) if entries else None
    if v2:
        next_token = (base64.urlsafe_b64encode(str(last).encode()).decode()
                      if truncated and last else None)
        owner_shown = owner(req) if args.get("fetch-owner") == "true" else None
        return xml_reply(s3_xml.list_objects_v2(page, len(entries), token, next_token,
                                                start_after, owner_shown))
    next_marker = str(last) if truncated and delimiter and last else None
    return xml_reply(s3_xml.list_objects_v1(page, marker, next_marker, owner(req)))


def post_bucket(req: ApiRequest[ObjectState], signed: Signed) -> Response:
    """DeleteObjects (``?delete``): up to 1,000 keys, each reported on its own."""
    if "delete" not in _args(req):
        enforce(req, "object:container:post")
        raise not_implemented("This POST on a bucket")
    enforce(req, "object:object:delete")
    bucket, acct = req.params["bucket"], account(req)
    quiet, keys = s3_xml.parse_delete(read_small_body(req, signed))
    req.svc.containers.container_info(acct, bucket)
    deleted: list[str] = []
    failed: list[tuple[str, S3Error]] = []
    for key in keys:
        try:
            req.svc.objects.delete(acct, bucket, key)
        except NotFound as err:
            if err.kwargs.get("resource") == "container":
                failed.append((key, no_such_bucket(bucket)))
                continue
            # S3 reports a key that did not exist as deleted, too.
        except NimbusError as err:
            failed.append((key, translate(err, bucket, key)))
            continue
        deleted.append(key)
    return xml_reply(s3_xml.delete_result(deleted, failed, quiet))


# HEAD first: Starlette lets a GET route answer HEAD too. ``/bucket/`` is the bucket as well
# (these come before the object routes, whose key would be empty).
for _path in (BUCKET_PATH, BUCKET_PATH + "/"):
    router.head(_path, public=True, fault_types=FAULT_TYPES,
                faults=(403, 404))(s3_view(head_bucket))
    router.get(_path, public=True, fault_types=FAULT_TYPES, faults=(403, 404))(s3_view(read_bucket))
    router.put(_path, public=True, fault_types=FAULT_TYPES, stream=True, content_types=("*/*",),
               faults=(403, 409))(s3_view(create_bucket))
    router.delete(_path, public=True, fault_types=FAULT_TYPES,
                  faults=(403, 404, 409))(s3_view(delete_bucket))
    router.post(_path, public=True, fault_types=FAULT_TYPES, stream=True, content_types=("*/*",),
                faults=(403, 404))(s3_view(post_bucket))
