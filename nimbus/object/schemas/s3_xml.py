"""S3's XML bodies: what the S3 API answers, and the few request bodies it reads.

Answers are built with ElementTree, which escapes every text and attribute. Request bodies are
parsed by the standard library's expat (2.4.1 and later refuse entity-expansion bombs, and
ElementTree never fetches external entities); a document type declaration is refused outright,
since no S3 request body has one.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from nimbus.object.schemas.s3_errors import S3Error, malformed_xml

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
# Request bodies are small (a thousand keys at most); a larger one is refused unread.
MAX_BODY = 2 * 1024 * 1024


def iso_date(ts: str | float) -> str:
    """S3's listing dates: ISO 8601 in UTC, to the millisecond."""
    when = dt.datetime.fromtimestamp(float(ts), dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def from_listing_date(text: str) -> str:
    """A Swift listing's ``last_modified`` (UTC, no zone) in S3's form."""
    when = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f")
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _root(tag: str) -> ET.Element:
    return ET.Element(tag, {"xmlns": NAMESPACE})


def _add(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = str(text).lower() if isinstance(text, bool) else str(text)
    return child


def _dump(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def error(err: S3Error, resource: str, request_id: str) -> bytes:
    root = ET.Element("Error")
    _add(root, "Code", err.s3_code)
    _add(root, "Message", err.message)
    for name, value in err.extra.items():
        _add(root, name, value)
    _add(root, "Resource", resource)
    _add(root, "RequestId", request_id)
    return _dump(root)


def _owner(parent: ET.Element, owner_id: str, name: str, tag: str = "Owner") -> None:
    owner = _add(parent, tag)
    _add(owner, "ID", owner_id)
    _add(owner, "DisplayName", name)


def list_buckets(owner_id: str, owner_name: str, buckets: Iterable[Mapping[str, Any]]) -> bytes:
    root = _root("ListAllMyBucketsResult")
    _owner(root, owner_id, owner_name)
    parent = _add(root, "Buckets")
    for bucket in buckets:
        item = _add(parent, "Bucket")
        _add(item, "Name", bucket["name"])
        _add(item, "CreationDate", bucket["created"])
    return _dump(root)


def location(region: str) -> bytes:
    root = _root("LocationConstraint")
    # us-east-1 is S3's "no constraint", shown as an empty element.
    root.text = "" if region == "us-east-1" else region
    return _dump(root)


@dataclass
class Listing:
    """One page of a bucket listing, as both versions of ListObjects show it."""

    bucket: str
    prefix: str
    delimiter: str
    max_keys: int
    truncated: bool
    contents: list[dict[str, Any]]
    common_prefixes: list[str]
    encoding: str | None = None


def _maybe_encoded(value: str, encoding: str | None) -> str:
    return quote(value, safe="/") if encoding == "url" else value


def _listing(root: ET.Element, page: Listing, owner: tuple[str, str] | None) -> None:
    enc = page.encoding
    _add(root, "Name", page.bucket)
    _add(root, "Prefix", _maybe_encoded(page.prefix, enc))
    _add(root, "MaxKeys", page.max_keys)
    if page.delimiter:
        _add(root, "Delimiter", _maybe_encoded(page.delimiter, enc))
    if enc:
        _add(root, "EncodingType", enc)
    _add(root, "IsTruncated", page.truncated)
    for item in page.contents:
        entry = _add(root, "Contents")
        _add(entry, "Key", _maybe_encoded(item["name"], enc))
        _add(entry, "LastModified", item["last_modified"])
        _add(entry, "ETag", f'"{item["etag"]}"')
        _add(entry, "Size", item["size"])
        if owner is not None:
            _owner(entry, *owner)
        _add(entry, "StorageClass", "STANDARD")
    for prefix in page.common_prefixes:
        _add(_add(root, "CommonPrefixes"), "Prefix", _maybe_encoded(prefix, enc))


def list_objects_v1(page: Listing, marker: str, next_marker: str | None,
                    owner: tuple[str, str]) -> bytes:
    root = _root("ListBucketResult")
    _listing(root, page, owner)
    marker_el = ET.Element("Marker")
    marker_el.text = _maybe_encoded(marker, page.encoding)
    root.insert(2, marker_el)
    if next_marker is not None:
        _add(root, "NextMarker", _maybe_encoded(next_marker, page.encoding))
    return _dump(root)


def list_objects_v2(page: Listing, key_count: int, token: str | None, next_token: str | None,
                    start_after: str | None, owner: tuple[str, str] | None) -> bytes:
    root = _root("ListBucketResult")
    _listing(root, page, owner)
    _add(root, "KeyCount", key_count)
    if token is not None:
        _add(root, "ContinuationToken", token)
    if next_token is not None:
        _add(root, "NextContinuationToken", next_token)
    if start_after is not None:
        _add(root, "StartAfter", _maybe_encoded(start_after, page.encoding))
    return _dump(root)


def acl(owner_id: str, owner_name: str, public_read: bool, public_write: bool) -> bytes:
    root = _root("AccessControlPolicy")
    _owner(root, owner_id, owner_name)
    grants = _add(root, "AccessControlList")
    wanted: list[tuple[str | None, str]] = [(None, "FULL_CONTROL")]
    if public_read:
        wanted.append((ALL_USERS, "READ"))
    if public_write:
        wanted.append((ALL_USERS, "WRITE"))
    ET.register_namespace("xsi", XSI)
    for group, permission in wanted:
        grant = _add(grants, "Grant")
        if group is None:
            grantee = ET.SubElement(grant, "Grantee", {f"{{{XSI}}}type": "CanonicalUser"})
            _add(grantee, "ID", owner_id)
            _add(grantee, "DisplayName", owner_name)
        else:
            grantee = ET.SubElement(grant, "Grantee", {f"{{{XSI}}}type": "Group"})
            _add(grantee, "URI", group)
        _add(grant, "Permission", permission)
    return _dump(root)


def copy_result(tag: str, etag: str, last_modified: str) -> bytes:
    root = _root(tag)
    _add(root, "LastModified", last_modified)
    _add(root, "ETag", f'"{etag}"')
    return _dump(root)


def initiated(bucket: str, key: str, upload_id: str) -> bytes:
    root = _root("InitiateMultipartUploadResult")
    _add(root, "Bucket", bucket)
    _add(root, "Key", key)
    _add(root, "UploadId", upload_id)
    return _dump(root)


def completed(location_url: str, bucket: str, key: str, etag: str) -> bytes:
    root = _root("CompleteMultipartUploadResult")
    _add(root, "Location", location_url)
    _add(root, "Bucket", bucket)
    _add(root, "Key", key)
    _add(root, "ETag", f'"{etag}"')
    return _dump(root)


def list_parts(bucket: str, key: str, upload_id: str, owner: tuple[str, str], marker: int,
               next_marker: int | None, max_parts: int, parts: list[dict[str, Any]]) -> bytes:
    root = _root("ListPartsResult")
    _add(root, "Bucket", bucket)
    _add(root, "Key", key)
    _add(root, "UploadId", upload_id)
    _owner(root, *owner, tag="Initiator")
    _owner(root, *owner)
    _add(root, "StorageClass", "STANDARD")
    _add(root, "PartNumberMarker", marker)
    if next_marker is not None:
        _add(root, "NextPartNumberMarker", next_marker)
    _add(root, "MaxParts", max_parts)
    _add(root, "IsTruncated", next_marker is not None)
    for part in parts:
        entry = _add(root, "Part")
        _add(entry, "PartNumber", part["number"])
        _add(entry, "LastModified", part["last_modified"])
        _add(entry, "ETag", f'"{part["etag"]}"')
        _add(entry, "Size", part["size"])
    return _dump(root)


def list_uploads(bucket: str, owner: tuple[str, str], uploads: list[dict[str, Any]],
                 prefix: str, max_uploads: int, truncated: bool) -> bytes:
    root = _root("ListMultipartUploadsResult")
    _add(root, "Bucket", bucket)
    _add(root, "KeyMarker", "")
    _add(root, "UploadIdMarker", "")
    if truncated and uploads:
        _add(root, "NextKeyMarker", uploads[-1]["key"])
        _add(root, "NextUploadIdMarker", uploads[-1]["upload_id"])
    _add(root, "Prefix", prefix)
    _add(root, "MaxUploads", max_uploads)
    _add(root, "IsTruncated", truncated)
    for upload in uploads:
        entry = _add(root, "Upload")
        _add(entry, "Key", upload["key"])
        _add(entry, "UploadId", upload["upload_id"])
        _owner(entry, *owner, tag="Initiator")
        _owner(entry, *owner)
        _add(entry, "StorageClass", "STANDARD")
        _add(entry, "Initiated", upload["initiated"])
    return _dump(root)


def delete_result(deleted: list[str], failed: list[tuple[str, S3Error]], quiet: bool) -> bytes:
    root = _root("DeleteResult")
    if not quiet:
        for key in deleted:
            _add(_add(root, "Deleted"), "Key", key)
    for key, err in failed:
        entry = _add(root, "Error")
        _add(entry, "Key", key)
        _add(entry, "Code", err.s3_code)
        _add(entry, "Message", err.message)
    return _dump(root)


# -- request bodies ------------------------------------------------------------------------

def parse(body: bytes) -> ET.Element:
    """A request body's root element, namespaces dropped from every tag."""
    if len(body) > MAX_BODY:
        raise S3Error("MaxMessageLengthExceeded", "Your request was too big.", 400)
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise malformed_xml()
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise malformed_xml() from None
    for element in root.iter():
        if "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    return root


def parse_delete(body: bytes) -> tuple[bool, list[str]]:
    """``<Delete>``: whether it is quiet, and the keys to delete (1,000 at most)."""
    root = parse(body)
    if root.tag != "Delete":
        raise malformed_xml()
    quiet = (root.findtext("Quiet") or "").strip().lower() == "true"
    keys = [obj.findtext("Key") or "" for obj in root.findall("Object")]
    if not keys or len(keys) > 1000 or not all(keys):
        raise malformed_xml()
    return quiet, keys


def parse_complete(body: bytes) -> list[tuple[int, str]]:
    """``<CompleteMultipartUpload>``: (part number, etag) in the order given."""
    root = parse(body)
    if root.tag != "CompleteMultipartUpload":
        raise malformed_xml()
    parts = []
    for part in root.findall("Part"):
        try:
            number = int((part.findtext("PartNumber") or "").strip())
        except ValueError:
            raise malformed_xml() from None
        parts.append((number, (part.findtext("ETag") or "").strip().strip('"')))
    if not parts:
        raise malformed_xml()
    return parts
