"""The S3 API on object storage: signatures, each operation, and isolation between projects."""

from __future__ import annotations

import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.personas import token_for
from tests.unit.object.conftest import account
from tests.unit.object.s3_helpers import S3, FakeIdentity, code

COVERS = [
    ("object", "S3 API: SigV4 header and presigned (and v2) signatures, skew and expiry, "
               "signed payload hashes and signed aws-chunked bodies, S3 XML errors"),
    ("object", "S3 API: buckets, objects (ranges, metadata, copy with metadata directive), "
               "ListObjects v1/v2, DeleteObjects, multipart uploads, canned ACLs"),
    ("object", "S3 API: another project's keys never reach the data; readers only read"),
    ("object", "S3 API: container and account quotas hold for PutObject and CopyObject"),
]
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@pytest.fixture
def cloud(make_cloud: Callable[..., Any]) -> Any:
    cloud, api = make_cloud(["object"], prefix="/object")
    state = cloud.runtimes["object"].state
    state.s3.auth.backend = FakeIdentity()
    state.s3.multipart.min_part_size = 10
    return cloud, api


@pytest.fixture
def s3(cloud: Any) -> S3:
    return S3(cloud[1].client)


def _xml(resp: Any) -> ET.Element:
    return ET.fromstring(resp.content)


def _texts(resp: Any, path: str) -> list[str]:
    return [e.text or "" for e in _xml(resp).iter(NS + path)]


# -- signatures -----------------------------------------------------------------------------

def test_bucket_round_trip_and_swift_sees_it(s3: S3, cloud: Any) -> None:
    assert s3.put("/photos").status_code == 200
    assert s3.head("/photos").status_code == 200
    assert s3.head("/photos/").status_code == 200
    assert _texts(s3.get("/"), "Name") == ["photos"]
    resp = s3.put("/photos/a/b.txt", b"hello", headers={"x-amz-meta-colour": "blue",
                                                        "Content-Type": "text/plain"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["ETag"] == f'"{hashlib.md5(b"hello").hexdigest()}"'
    # The same object through Swift's API, with the same metadata.
    swift = cloud[1].as_("member")
    got = swift.get(f"{account()}/photos/a/b.txt")
    assert got.content == b"hello" and got.headers["X-Object-Meta-Colour"] == "blue"
    back = s3.get("/photos/a/b.txt")
    assert back.content == b"hello" and back.headers["x-amz-meta-colour"] == "blue"
    assert back.headers["Content-Type"] == "text/plain"


def test_bad_signature_is_signature_does_not_match(s3: S3) -> None:
    resp = s3.as_("AKMEMBER", "wrong-secret").get("/")
    assert resp.status_code == 403 and code(resp) == "SignatureDoesNotMatch"


def test_unknown_key_is_invalid_access_key(s3: S3) -> None:
    resp = s3.as_("AKNOBODY", "whatever").get("/")
    assert resp.status_code == 403 and code(resp) == "InvalidAccessKeyId"


def test_unsigned_request_is_access_denied(cloud: Any) -> None:
    resp = cloud[1].as_(None).client.get("/object/s3/")
    assert resp.status_code == 403 and code(resp) == "AccessDenied"
    # A Keystone token is not an S3 signature either.
    resp = cloud[1].client.get("/object/s3/", headers={"X-Auth-Token": token_for("member")})
    assert code(resp) == "AccessDenied"


def test_old_request_is_time_too_skewed(s3: S3) -> None:
    resp = s3.get("/", when=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert resp.status_code == 403 and code(resp) == "RequestTimeTooSkewed"


def test_tampered_body_is_refused_and_not_stored(s3: S3, cloud: Any) -> None:
    s3.put("/bkt1")
    client = cloud[1].client
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method="PUT", url="http://testserver/object/s3/bkt1/k", data=b"good")
    S3SigV4Auth(Credentials("AKMEMBER", "member-secret"), "s3", "us-east-1").add_auth(req)
    resp = client.put("/object/s3/bkt1/k", content=b"evil", headers=dict(req.headers))
    assert resp.status_code == 400 and code(resp) == "XAmzContentSHA256Mismatch", resp.text
    assert code(s3.get("/bkt1/k")) == "NoSuchKey"


def test_presigned_get_and_its_expiry(s3: S3, cloud: Any) -> None:
    s3.put("/pub")
    s3.put("/pub/file", b"data")
    url = s3.presign("GET", "/pub/file", expires=60)
    resp = cloud[1].client.get(url)
    assert resp.status_code == 200 and resp.content == b"data"
    expired = s3.presign("GET", "/pub/file", expires=0)
    import time

    time.sleep(1.1)
    resp = cloud[1].client.get(expired)
    assert resp.status_code == 403 and code(resp) == "AccessDenied"
    assert b"expired" in resp.content
    # A presigned URL for one object does not open another.
    resp = cloud[1].client.get(url.replace("/pub/file", "/pub/other"))
    assert code(resp) == "SignatureDoesNotMatch"


def test_every_request_is_checked_by_identity(s3: S3, cloud: Any) -> None:
    """No secret is kept between requests: a deleted credential stops working at once."""
    fake = cloud[0].runtimes["object"].state.s3.auth.backend
    s3.get("/")
    s3.get("/")
    assert fake.s3token_calls == 2


def test_streaming_signed_chunks(s3: S3, cloud: Any) -> None:
    """A STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload, each chunk signed, as the AWS SDKs send."""
    from nimbus.core import awssig

    s3.put("/stream")
    amz_date = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    scope = awssig.Scope(amz_date[:8], "us-east-1", "s3")
    chunks = [b"a" * 70000, b"b" * 123, b""]
    headers = {"host": "testserver", "x-amz-date": amz_date,
               "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
               "x-amz-decoded-content-length": str(sum(map(len, chunks))),
               "content-encoding": "aws-chunked"}
    signed = sorted(headers)
    canonical = awssig.canonical_request("PUT", "/object/s3/stream/big", "", headers, signed,
                                         headers["x-amz-content-sha256"])
    key = awssig.signing_key("member-secret", scope)
    seed = awssig.hmac_hex(key, awssig.string_to_sign(amz_date, scope, canonical))

    def body(tamper: bool) -> bytes:
        out, previous = b"", seed
        for chunk in chunks:
            sig = awssig.hmac_hex(key, awssig.chunk_string_to_sign(
                amz_date, scope, previous, hashlib.sha256(chunk).hexdigest()))
            data = chunk.replace(b"b", b"c") if tamper else chunk
            out += f"{len(chunk):x};chunk-signature={sig}\r\n".encode() + data + b"\r\n"
            previous = sig
        return out

    auth = (f"AWS4-HMAC-SHA256 Credential=AKMEMBER/{scope}, SignedHeaders={';'.join(signed)}, "
            f"Signature={seed}")
    client = cloud[1].client
    resp = client.put("/object/s3/stream/big", content=body(False),
                      headers={**headers, "Authorization": auth})
    assert resp.status_code == 200, resp.text
    assert s3.get("/stream/big").content == b"a" * 70000 + b"b" * 123
    resp = client.put("/object/s3/stream/bad", content=body(True),
                      headers={**headers, "Authorization": auth})
    assert code(resp) == "SignatureDoesNotMatch"
    assert code(s3.get("/stream/bad")) == "NoSuchKey"


# -- buckets ---------------------------------------------------------------------------------

def test_bucket_errors(s3: S3) -> None:
    assert code(s3.get("/nope")) == "NoSuchBucket"
    assert s3.head("/nope").status_code == 404
    assert code(s3.put("/Bad_Name")) == "InvalidBucketName"
    s3.put("/full")
    assert code(s3.put("/full")) == "BucketAlreadyOwnedByYou"
    s3.put("/full/x", b"1")
    resp = s3.delete("/full")
    assert resp.status_code == 409 and code(resp) == "BucketNotEmpty"
    assert s3.delete("/full/x").status_code == 204
    assert s3.delete("/full").status_code == 204
    assert code(s3.delete("/full")) == "NoSuchBucket"


def test_location_and_acls(s3: S3, cloud: Any) -> None:
    s3.put("/acl", headers={"x-amz-acl": "public-read"})
    assert _xml(s3.get("/acl", query="location")).tag == NS + "LocationConstraint"
    acl = s3.get("/acl", query="acl")
    assert "http://acs.amazonaws.com/groups/global/AllUsers" in acl.text
    # Public through Swift's API too: an anonymous read of an object.
    s3.put("/acl/o", b"x")
    assert cloud[1].as_(None).get(f"{account()}/acl/o").status_code == 200
    assert s3.put("/acl", query="acl", headers={"x-amz-acl": "private"}).status_code == 200
    assert "AllUsers" not in s3.get("/acl", query="acl").text
    assert "AllUsers" not in s3.get("/acl/o", query="acl").text
    assert cloud[1].as_(None).get(f"{account()}/acl/o").status_code == 401
    # Objects have no ACL of their own (as with Swift's s3api): a canned name is accepted on
    # upload, an unknown one refused, and PutObjectAcl is not implemented.
    assert s3.put("/acl/p", b"y", headers={"x-amz-acl": "public-read"}).status_code == 200
    assert code(s3.put("/acl/q", b"y", headers={"x-amz-acl": "everyone"})) == "InvalidArgument"
    resp = s3.put("/acl/p", query="acl", headers={"x-amz-acl": "private"})
    assert resp.status_code == 501 and code(resp) == "NotImplemented"


def test_list_objects_v2_prefix_delimiter_and_paging(s3: S3) -> None:
    s3.put("/list")
    for name in ("a/1", "a/2", "b/1", "c", "d", "e"):
        s3.put(f"/list/{name}", b"x")
    resp = s3.get("/list", query="list-type=2&delimiter=/")
    assert _texts(resp, "Key") == ["c", "d", "e"]
    assert _texts(resp, "Prefix")[1:] == ["a/", "b/"]
    resp = s3.get("/list", query="list-type=2&prefix=a/")
    assert _texts(resp, "Key") == ["a/1", "a/2"]
    # Pages of two, with the delimiter: prefixes count as one entry each.
    seen: list[str] = []
    token = ""
    while True:
        query = "list-type=2&delimiter=/&max-keys=2" + (f"&continuation-token={token}"
                                                        if token else "")
        page = _xml(s3.get("/list", query=query))
        seen += [e.text or "" for e in page.iter(NS + "Key")]
        seen += [e.findtext(NS + "Prefix") or "" for e in page.iter(NS + "CommonPrefixes")]
        if page.findtext(NS + "IsTruncated") != "true":
            break
        token = page.findtext(NS + "NextContinuationToken") or ""
    assert sorted(seen) == ["a/", "b/", "c", "d", "e"]
    resp = s3.get("/list", query="list-type=2&start-after=c")
    assert _texts(resp, "Key") == ["d", "e"]
    v1 = s3.get("/list", query="marker=b/1&max-keys=2")
    assert _texts(v1, "Key") == ["c", "d"] and _texts(v1, "IsTruncated") == ["true"]


# -- objects ---------------------------------------------------------------------------------

def test_range_head_delete_and_errors(s3: S3) -> None:
    s3.put("/obj")
    s3.put("/obj/k", b"0123456789")
    resp = s3.get("/obj/k", headers={"Range": "bytes=2-5"})
    assert resp.status_code == 206 and resp.content == b"2345"
    assert resp.headers["Content-Range"] == "bytes 2-5/10"
    resp = s3.get("/obj/k", headers={"Range": "bytes=20-30"})
    assert resp.status_code == 416 and code(resp) == "InvalidRange"
    head = s3.head("/obj/k")
    assert head.status_code == 200 and head.headers["Content-Length"] == "10"
    assert s3.head("/obj/missing").status_code == 404
    assert code(s3.get("/obj/missing")) == "NoSuchKey"
    assert s3.delete("/obj/k").status_code == 204
    assert s3.delete("/obj/k").status_code == 204  # S3: deleting nothing is no error


def test_copy_with_metadata_directive(s3: S3) -> None:
    s3.put("/copies")
    s3.put("/copies/src", b"body", headers={"x-amz-meta-a": "1", "Content-Type": "text/x"})
    resp = s3.put("/copies/dst", headers={"x-amz-copy-source": "/copies/src"})
    assert resp.status_code == 200 and _xml(resp).tag == NS + "CopyObjectResult"
    got = s3.get("/copies/dst")
    assert got.content == b"body" and got.headers["x-amz-meta-a"] == "1"
    resp = s3.put("/copies/dst2", headers={"x-amz-copy-source": "copies/src",
                                       "x-amz-metadata-directive": "REPLACE",
                                       "x-amz-meta-b": "2"})
    got = s3.head("/copies/dst2")
    assert got.headers.get("x-amz-meta-b") == "2" and "x-amz-meta-a" not in got.headers
    assert code(s3.put("/copies/src", headers={"x-amz-copy-source": "/copies/src"})) == \
        "InvalidRequest"
    assert code(s3.put("/copies/x", headers={"x-amz-copy-source": "/copies/none"})) == "NoSuchKey"


def test_delete_objects(s3: S3) -> None:
    s3.put("/multi")
    for name in ("a", "b"):
        s3.put(f"/multi/{name}", b"x")
    body = (b"<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object>"
            b"<Object><Key>zzz</Key></Object></Delete>")
    resp = s3.post("/multi", body, query="delete")
    assert resp.status_code == 200, resp.text
    assert sorted(_texts(resp, "Key")) == ["a", "b", "zzz"]
    assert _texts(s3.get("/multi", query="list-type=2"), "Key") == []
    assert code(s3.post("/multi", b"<Delete><!DOCTYPE x></Delete>", query="delete")) == \
        "MalformedXML"


def test_multipart_upload(s3: S3, cloud: Any) -> None:
    s3.put("/multi1")
    resp = s3.post("/multi1/big", query="uploads", headers={"x-amz-meta-k": "v"})
    upload = _xml(resp).findtext(NS + "UploadId") or ""
    parts = [b"a" * 20, b"b" * 20, b"c" * 5]
    etags = []
    for number, data in enumerate(parts, 1):
        resp = s3.put("/multi1/big", data, query=f"partNumber={number}&uploadId={upload}")
        assert resp.status_code == 200, resp.text
        etags.append(resp.headers["ETag"].strip('"'))
    listed = s3.get("/multi1/big", query=f"uploadId={upload}")
    assert _texts(listed, "PartNumber") == ["1", "2", "3"]
    uploads = s3.get("/multi1", query="uploads")
    assert _texts(uploads, "UploadId") == [upload]
    # The segments container is no bucket of its own.
    assert _texts(s3.get("/"), "Name") == ["multi1"]
    wrong = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{'0' * 32}</ETag></Part>"
                    for n in (1, 2))
    resp = s3.post("/multi1/big", f"<CompleteMultipartUpload>{wrong}</CompleteMultipartUpload>"
                   .encode(), query=f"uploadId={upload}")
    assert code(resp) == "InvalidPart"
    body = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>\"{e}\"</ETag></Part>"
                   for n, e in enumerate(etags, 1))
    resp = s3.post("/multi1/big", f"<CompleteMultipartUpload>{body}</CompleteMultipartUpload>"
                   .encode(), query=f"uploadId={upload}")
    assert resp.status_code == 200, resp.text
    expected = hashlib.md5(b"".join(bytes.fromhex(e) for e in etags)).hexdigest() + "-3"
    assert _texts(resp, "ETag") == [f'"{expected}"']
    got = s3.get("/multi1/big")
    assert got.content == b"".join(parts) and got.headers["ETag"] == f'"{expected}"'
    assert got.headers["x-amz-meta-k"] == "v"
    # Swift shows the user's metadata only; its POST keeps the S3 ETag (system metadata).
    swift = cloud[1].as_("member")
    shown = swift.head(f"{account()}/multi1/big").headers
    assert shown["X-Object-Meta-K"] == "v"
    assert not [h for h in shown if "s3api" in h.lower()]
    assert swift.post(f"{account()}/multi1/big",
                      headers={"X-Object-Meta-K": "w"}).status_code == 202
    assert s3.head("/multi1/big").headers["ETag"] == f'"{expected}"'
    assert _texts(s3.get("/multi1", query="uploads"), "UploadId") == []
    assert code(s3.get("/multi1/big", query=f"uploadId={upload}")) == "NoSuchUpload"


def test_multipart_small_part_and_abort(s3: S3) -> None:
    s3.put("/multi2")
    upload = _xml(s3.post("/multi2/k", query="uploads")).findtext(NS + "UploadId") or ""
    etags = [s3.put("/multi2/k", d, query=f"partNumber={n}&uploadId={upload}")
             .headers["ETag"] for n, d in ((1, b"tiny"), (2, b"x" * 20))]
    body = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>"
                   for n, e in enumerate(etags, 1))
    resp = s3.post("/multi2/k", f"<CompleteMultipartUpload>{body}</CompleteMultipartUpload>"
                   .encode(), query=f"uploadId={upload}")
    assert code(resp) == "EntityTooSmall"
    assert s3.delete("/multi2/k", query=f"uploadId={upload}").status_code == 204
    assert code(s3.delete("/multi2/k", query=f"uploadId={upload}")) == "NoSuchUpload"
    assert s3.delete("/multi2").status_code == 204


# -- isolation and policy ----------------------------------------------------------------------

def test_another_project_never_sees_the_data(s3: S3) -> None:
    s3.put("/mine")
    s3.put("/mine/secret", b"top")
    other = s3.as_("AKOTHER")
    assert _texts(other.get("/"), "Name") == []
    assert code(other.get("/mine/secret")) == "NoSuchBucket"
    assert code(other.get("/mine", query="list-type=2")) == "NoSuchBucket"
    assert code(other.delete("/mine")) == "NoSuchBucket"
    # Its own bucket of the same name is another container in another account.
    assert other.put("/mine").status_code == 200
    assert code(other.get("/mine/secret")) == "NoSuchKey"
    assert s3.get("/mine/secret").content == b"top"


def test_reader_reads_but_does_not_write(s3: S3) -> None:
    s3.put("/readonly")
    s3.put("/readonly/o", b"r")
    reader = s3.as_("AKREADER")
    assert reader.get("/readonly/o").content == b"r"
    resp = reader.put("/readonly/o2", b"no")
    assert resp.status_code == 403 and code(resp) == "AccessDenied"
    assert code(reader.delete("/readonly/o")) == "AccessDenied"
    assert code(reader.put("/other")) == "AccessDenied"


def test_boto3_presigned_urls_v2_and_v4(s3: S3, cloud: Any) -> None:
    """boto3 presigns with S3's version 2 by default, over the S3 resource (``/bucket/key``,
    not the path the API is mounted on); ``s3v4`` when asked."""
    import boto3
    from botocore.config import Config

    s3.put("/presign")
    s3.put("/presign/docs/a%20b.txt", b"spaced")
    for version in (None, "s3v4"):
        client = boto3.client("s3", endpoint_url="http://testserver/object/s3",
                              aws_access_key_id="AKMEMBER",
                              aws_secret_access_key="member-secret", region_name="us-east-1",
                              config=Config(s3={"addressing_style": "path"},
                                            signature_version=version))
        url = client.generate_presigned_url(
            "get_object", Params={"Bucket": "presign", "Key": "docs/a b.txt"}, ExpiresIn=60)
        resp = cloud[1].client.get(url)
        assert resp.status_code == 200 and resp.content == b"spaced", (version, resp.text)


def test_v2_header_and_unsigned_payload(s3: S3, cloud: Any) -> None:
    """S3's version 2 header signature, and a SigV4 request whose body is not signed."""
    from botocore.auth import HmacV1Auth, S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials

    s3.put("/older")
    client = cloud[1].client
    creds = Credentials("AKMEMBER", "member-secret")
    req = AWSRequest(method="PUT", url="http://testserver/object/s3/older/v2", data=b"two",
                     headers={"Content-Type": "text/plain"})
    req.auth_path = "/older/v2"
    HmacV1Auth(creds).add_auth(req)
    resp = client.put("/object/s3/older/v2", content=b"two", headers=dict(req.headers))
    assert resp.status_code == 200, resp.text
    assert s3.get("/older/v2").content == b"two"
    req = AWSRequest(method="PUT", url="http://testserver/object/s3/older/unsigned",
                     data=b"free")
    req.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
    assert req.headers["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"
    resp = client.put("/object/s3/older/unsigned", content=b"free", headers=dict(req.headers))
    assert resp.status_code == 200, resp.text
    assert s3.get("/older/unsigned").content == b"free"


def test_unsigned_chunks_with_a_crc32_trailer(s3: S3, cloud: Any) -> None:
    """``STREAMING-UNSIGNED-PAYLOAD-TRAILER``, as the SDKs send over TLS: the CRC32 is checked."""
    import base64
    import zlib

    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    s3.put("/trailer")
    data = b"x" * 1000

    def send(name: str, crc: int) -> Any:
        trailer = base64.b64encode(crc.to_bytes(4, "big")).decode()
        body = (f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n"
                + f"x-amz-checksum-crc32:{trailer}\r\n\r\n".encode())
        headers = {"X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                   "X-Amz-Trailer": "x-amz-checksum-crc32", "Content-Encoding": "aws-chunked",
                   "X-Amz-Decoded-Content-Length": str(len(data))}
        req = AWSRequest(method="PUT", url=f"http://testserver/object/s3/trailer/{name}",
                         data=body, headers=headers)
        signer = S3SigV4Auth(Credentials("AKMEMBER", "member-secret"), "s3", "us-east-1")
        signer.payload = lambda request: "STREAMING-UNSIGNED-PAYLOAD-TRAILER"  # type: ignore
        signer.add_auth(req)
        return cloud[1].client.put(f"/object/s3/trailer/{name}", content=body,
                                   headers=dict(req.headers))

    assert send("good", zlib.crc32(data)).status_code == 200
    assert s3.get("/trailer/good").content == data
    resp = send("bad", zlib.crc32(data) ^ 1)
    assert resp.status_code == 400 and code(resp) == "BadDigest"
    assert code(s3.get("/trailer/bad")) == "NoSuchKey"


def test_container_quota_holds_for_s3_writes(s3: S3, cloud: Any) -> None:
    assert s3.put("/capped").status_code == 200
    swift = cloud[1].as_("member")
    assert swift.post(f"{account()}/capped",
                      headers={"X-Container-Meta-Quota-Bytes": "10"}).status_code == 204
    assert s3.put("/capped/small", b"123456").status_code == 200
    refused = s3.put("/capped/big", b"x" * 11)
    assert refused.status_code == 400 and code(refused) == "EntityTooLarge"
    refused = s3.put("/capped/copy", headers={"x-amz-copy-source": "/capped/small",
                                              "x-amz-metadata-directive": "REPLACE"})
    assert code(refused) == "EntityTooLarge"
    assert s3.get("/capped/big").status_code == 404
