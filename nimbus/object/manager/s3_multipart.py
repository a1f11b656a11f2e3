"""S3 multipart uploads, kept as Swift's s3api keeps them: in a ``<bucket>+segments``
container of the same account, an upload's marker object ``<key>/<upload id>`` (carrying the
content type and metadata the upload was started with) and its parts
``<key>/<upload id>/<part number, five digits>``.

Completing an upload writes one ordinary object from the parts, in order, so that Swift's API
reads it like any other, then removes the upload. Its S3 ETag (the MD5 of the parts' MD5s,
``-<count>``) is kept in the object's system metadata under ``S3_ETAG_META``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from nimbus.core.errors import Conflict, NotFound
from nimbus.object.manager.containers import ContainerManager
from nimbus.object.manager.objects import ObjectManager
from nimbus.object.manager.records import ListingQuery, ObjectInfo, PutRequest
from nimbus.object.schemas.s3_errors import S3Error

SEGMENTS_SUFFIX = "+segments"
# Where a completed multipart object keeps its S3 ETag (not the MD5 of its bytes).
# The object's system metadata (as s3api's X-Object-Sysmeta-S3api-Etag): never shown to
# Swift's users, kept through a POST.
S3_ETAG_META = "s3api-etag"
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10000
_UPLOAD = re.compile(r"^(?P<key>.+)/(?P<upload>[0-9a-f]{32})$")
_LISTING_PAGE = 1000


def segments_of(bucket: str) -> str:
    return bucket + SEGMENTS_SUFFIX


def no_such_upload(upload_id: str) -> S3Error:
    return S3Error("NoSuchUpload", "The specified upload does not exist. The upload ID may be "
                   "invalid, or the upload may have been aborted or completed.", 404,
                   UploadId=upload_id)


@dataclass
class Part:
    number: int
    etag: str
    size: int
    last_modified: str


class Multipart:
    def __init__(self, containers: ContainerManager, objects: ObjectManager,
                 min_part_size: int = MIN_PART_SIZE) -> None:
        self.containers = containers
        self.objects = objects
        self.min_part_size = min_part_size

    def _marker(self, account: str, bucket: str, key: str, upload_id: str) -> ObjectInfo:
        if not re.fullmatch(r"[0-9a-f]{32}", upload_id):
            raise no_such_upload(upload_id)
        self.containers.container_info(account, bucket)
        try:
            return self.objects.info(account, segments_of(bucket), f"{key}/{upload_id}")
        except NotFound:
            raise no_such_upload(upload_id) from None

    def create(self, account: str, bucket: str, key: str, content_type: str,
               meta: dict[str, str]) -> str:
        """Start an upload; its id."""
        self.containers.container_info(account, bucket)
        self.containers.create_container(account, segments_of(bucket), {}, {})
        upload_id = uuid.uuid4().hex
        self.objects.put(account, segments_of(bucket), f"{key}/{upload_id}", iter(()),
                         PutRequest(content_type=content_type, meta=meta))
        return upload_id

    def upload_part(self, account: str, bucket: str, key: str, upload_id: str, number: int,
                    chunks: Iterable[bytes], expected_md5: str | None = None) -> ObjectInfo:
        if not 1 <= number <= MAX_PART_NUMBER:
            raise S3Error("InvalidArgument", "Part number must be an integer between 1 and "
                          "10000, inclusive", 400, ArgumentName="partNumber",
                          ArgumentValue=str(number))
        self._marker(account, bucket, key, upload_id)
        return self.objects.put(account, segments_of(bucket), f"{key}/{upload_id}/{number:05d}",
                                chunks, PutRequest(content_type="application/octet-stream",
                                                   meta={}, expected_etag=expected_md5))

    def parts(self, account: str, bucket: str, key: str, upload_id: str) -> list[Part]:
        self._marker(account, bucket, key, upload_id)
        prefix = f"{key}/{upload_id}/"
        found: list[Part] = []
        for entry in self._entries(account, segments_of(bucket), prefix):
            tail = entry["name"][len(prefix):]
            if tail.isdigit():
                found.append(Part(int(tail), entry["hash"], entry["bytes"],
                                  entry["last_modified"]))
        return found

    def _entries(self, account: str, container: str, prefix: str) -> Iterator[dict[str, Any]]:
        marker = None
        while True:
            page = self.containers.list_objects(
                account, container, ListingQuery(limit=_LISTING_PAGE, marker=marker,
                                                 prefix=prefix))
            yield from page
            if len(page) < _LISTING_PAGE:
                return
            marker = page[-1]["name"]

    def uploads(self, account: str, bucket: str, prefix: str = "") -> list[dict[str, Any]]:
        """The bucket's uploads in progress, by key then upload id."""
        self.containers.container_info(account, bucket)
        try:
            entries = list(self._entries(account, segments_of(bucket), prefix))
        except NotFound:
            return []
        found = []
        for entry in entries:
            match = _UPLOAD.match(entry["name"])
            if match:
                found.append({"key": match["key"], "upload_id": match["upload"],
                              "initiated": entry["last_modified"]})
        return found

    def abort(self, account: str, bucket: str, key: str, upload_id: str) -> None:
        self._marker(account, bucket, key, upload_id)
        self._remove(account, bucket, key, upload_id)

    def _remove(self, account: str, bucket: str, key: str, upload_id: str) -> None:
        segments = segments_of(bucket)
        names = [e["name"] for e in self._entries(account, segments, f"{key}/{upload_id}/")]
        for name in [*names, f"{key}/{upload_id}"]:
            try:
                self.objects.delete(account, segments, name)
            except NotFound:
                continue  # a concurrent abort or complete took it first

    def complete(self, account: str, bucket: str, key: str, upload_id: str,
                 wanted: list[tuple[int, str]]) -> tuple[ObjectInfo, str]:
        """Join the parts named (in ascending order) into the object; it and its S3 ETag."""
        marker = self._marker(account, bucket, key, upload_id)
        stored = {p.number: p for p in self.parts(account, bucket, key, upload_id)}
        numbers = [n for n, _ in wanted]
        if numbers != sorted(set(numbers)):
            raise S3Error("InvalidPartOrder", "The list of parts was not in ascending order. "
                          "Parts must be ordered by part number.", 400, UploadId=upload_id)
        chosen: list[Part] = []
        for number, etag in wanted:
            part = stored.get(number)
            if part is None or (etag and etag.lower() != part.etag):
                raise S3Error("InvalidPart", "One or more of the specified parts could not be "
                              "found. The part might not have been uploaded, or the specified "
                              "entity tag might not have matched the part's entity tag.", 400,
                              UploadId=upload_id, PartNumber=str(number), ETag=etag)
            chosen.append(part)
        for part in chosen[:-1]:
            if part.size < self.min_part_size:
                raise S3Error("EntityTooSmall", "Your proposed upload is smaller than the "
                              "minimum allowed object size.", 400, ProposedSize=str(part.size),
                              MinSizeAllowed=str(self.min_part_size),
                              PartNumber=str(part.number), ETag=part.etag)
        digest = hashlib.md5(usedforsecurity=False)
        for part in chosen:
            digest.update(bytes.fromhex(part.etag))
        s3_etag = f"{digest.hexdigest()}-{len(chosen)}"
        info = self.objects.put(account, bucket, key, self._join(account, bucket, key,
                                                                 upload_id, chosen),
                                PutRequest(content_type=marker.content_type,
                                           meta=dict(marker.meta),
                                           sysmeta={S3_ETAG_META: s3_etag}))
        self._remove(account, bucket, key, upload_id)
        return info, s3_etag

    def _join(self, account: str, bucket: str, key: str, upload_id: str,
              parts: list[Part]) -> Iterator[bytes]:
        segments = segments_of(bucket)
        for part in parts:
            info = self.objects.info(account, segments, f"{key}/{upload_id}/{part.number:05d}")
            yield from self.objects.read(info)

    def drop_segments(self, account: str, bucket: str) -> None:
        """After the bucket is deleted: its segments container, if no upload is left in it."""
        try:
            self.containers.delete_container(account, segments_of(bucket))
        except (NotFound, Conflict):
            return
