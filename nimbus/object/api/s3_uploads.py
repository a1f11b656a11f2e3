"""S3 multipart uploads on an object's path: CreateMultipartUpload (``POST ?uploads``),
UploadPart (``PUT ?partNumber&uploadId``, or UploadPartCopy with ``x-amz-copy-source``),
ListParts (``GET ?uploadId``), CompleteMultipartUpload (``POST ?uploadId``) and
AbortMultipartUpload (``DELETE ?uploadId``)."""

from __future__ import annotations

import base64
import binascii
import mimetypes
from collections.abc import Mapping
from urllib.parse import quote, unquote

from starlette.responses import Response

from nimbus.core.api.routing import ApiRequest
from nimbus.core.errors import NotFound
from nimbus.object.api.s3_body import body, declared_length
from nimbus.object.api.s3_common import account, empty, enforce, owner, xml_reply
from nimbus.object.api.s3_signing import Signed
from nimbus.object.manager.records import ObjectInfo
from nimbus.object.schemas import metadata, ranges, s3_xml
from nimbus.object.schemas.s3_errors import S3Error, invalid_argument, translate
from nimbus.object.state import ObjectState

DEFAULT_TYPE = "application/octet-stream"
AMZ_META = "x-amz-meta-"


def read_small_body(req: ApiRequest[ObjectState], signed: Signed) -> bytes:
    """A request body that is a small XML document, checked as its signature says."""
    data = bytearray()
    for chunk in body(req, signed):
        data.extend(chunk)
        if len(data) > s3_xml.MAX_BODY:
            raise S3Error("MaxMessageLengthExceeded", "Your request was too big.", 400)
    return bytes(data)


def user_meta(headers: Mapping[str, str]) -> dict[str, str]:
    """``x-amz-meta-*`` as the object's metadata (Swift shows it as ``X-Object-Meta-*``)."""
    changes = {name.lower()[len(AMZ_META):]: value.strip() for name, value in headers.items()
               if name.lower().startswith(AMZ_META)}
    return metadata.merged({}, changes, "object")


def content_md5(headers: Mapping[str, str]) -> str | None:
    """The hex MD5 a ``Content-MD5`` header promises (InvalidDigest when it is not one)."""
    value = headers.get("content-md5")
    if value is None:
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 16:
        raise S3Error("InvalidDigest", "The Content-MD5 you specified was invalid.", 400)
    return raw.hex()


def content_type(req: ApiRequest[ObjectState], key: str) -> str:
    given = req.headers.get("content-type")
    if given:
        return given
    guessed, _ = mimetypes.guess_type(key, strict=False)
    return guessed or DEFAULT_TYPE


def copy_source(req: ApiRequest[ObjectState]) -> tuple[str, str] | None:
    """``x-amz-copy-source`` (``[/]bucket/key``, percent-encoded) as its bucket and key."""
    value = req.headers.get("x-amz-copy-source")
    if value is None:
        return None
    path = unquote(value.partition("?")[0]).lstrip("/")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise invalid_argument("Copy Source must mention the source bucket and key: "
                               "sourcebucket/sourcekey", "x-amz-copy-source", value)
    return bucket, key


def read_source(req: ApiRequest[ObjectState], bucket: str, key: str) -> ObjectInfo:
    """The copy source, read as the caller (who must be let read it)."""
    enforce(req, "object:object:get")
    objects = req.svc.objects
    try:
        return objects.resolve(objects.info(account(req), bucket, key))
    except NotFound as err:
        # Named after the source, not the request's own bucket and key.
        raise translate(err, bucket, key) from None


def create(req: ApiRequest[ObjectState], signed: Signed, key: str) -> Response:
    enforce(req, "object:object:put")
    bucket = req.params["bucket"]
    upload_id = req.svc.s3.multipart.create(account(req), bucket, key,
                                            content_type(req, key), user_meta(req.headers))
    return xml_reply(s3_xml.initiated(bucket, key, upload_id))


def _part_number(args: Mapping[str, str]) -> int:
    text = args.get("partNumber", "")
    try:
        return int(text)
    except ValueError:
        raise invalid_argument("Part number must be an integer between 1 and 10000, inclusive",
                               "partNumber", text) from None


def upload_part(req: ApiRequest[ObjectState], signed: Signed, key: str,
                args: Mapping[str, str]) -> Response:
    enforce(req, "object:object:put")
    bucket, upload_id = req.params["bucket"], args["uploadId"]
    number = _part_number(args)
    multipart = req.svc.s3.multipart
    source = copy_source(req)
    if source is None:
        declared_length(req)
        info = multipart.upload_part(account(req), bucket, key, upload_id, number,
                                     body(req, signed), content_md5(req.headers))
        return empty(headers={"ETag": f'"{info.etag}"'})
    src = read_source(req, *source)
    start, end = 0, src.size
    wanted = req.headers.get("x-amz-copy-source-range")
    if wanted:
        picked = ranges.parse(wanted, src.size)
        if not picked or len(picked) != 1:
            raise S3Error("InvalidArgument", "The x-amz-copy-source-range value must be of "
                          "the form bytes=first-last where first and last are the zero-based "
                          "offsets of the first and last bytes to copy", 400)
        start, end = picked[0]
    info = multipart.upload_part(account(req), bucket, key, upload_id, number,
                                 req.svc.objects.read(src, start, end))
    return xml_reply(s3_xml.copy_result("CopyPartResult", info.etag,
                                        s3_xml.iso_date(info.meta_ts)))


def list_parts(req: ApiRequest[ObjectState], signed: Signed, key: str,
               args: Mapping[str, str]) -> Response:
    enforce(req, "object:object:get")
    bucket, upload_id = req.params["bucket"], args["uploadId"]
    parts = req.svc.s3.multipart.parts(account(req), bucket, key, upload_id)
    try:
        marker = int(args.get("part-number-marker", "0") or 0)
        max_parts = min(int(args.get("max-parts", "1000") or 1000), 1000)
    except ValueError:
        raise invalid_argument("Provided max-parts or part-number-marker is not an "
                               "integer") from None
    after = [p for p in parts if p.number > marker]
    page = after[:max_parts]
    next_marker = page[-1].number if len(after) > max_parts and page else None
    shown = [{"number": p.number, "etag": p.etag, "size": p.size,
              "last_modified": s3_xml.from_listing_date(p.last_modified)} for p in page]
    return xml_reply(s3_xml.list_parts(bucket, key, upload_id, owner(req), marker,
                                       next_marker, max_parts, shown))


def complete(req: ApiRequest[ObjectState], signed: Signed, key: str,
             args: Mapping[str, str]) -> Response:
    enforce(req, "object:object:put")
    bucket, upload_id = req.params["bucket"], args["uploadId"]
    wanted = s3_xml.parse_complete(read_small_body(req, signed))
    _info, etag = req.svc.s3.multipart.complete(account(req), bucket, key, upload_id, wanted)
    location = f"{req.service_url}/s3/{quote(bucket)}/{quote(key)}"
    return xml_reply(s3_xml.completed(location, bucket, key, etag))


def abort(req: ApiRequest[ObjectState], signed: Signed, key: str,
          args: Mapping[str, str]) -> Response:
    enforce(req, "object:object:delete")
    req.svc.s3.multipart.abort(account(req), req.params["bucket"], key, args["uploadId"])
    return empty(204)
