"""An S3 request's body as the client meant it: checked against the SHA-256 it was signed
with, or taken out of ``aws-chunked`` framing (each chunk's signature checked, or a trailing
checksum), never held whole.

An error raised here is raised from inside the body the driver is consuming, so a body that
fails its check is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable, Iterable, Iterator

from starlette.requests import ClientDisconnect as StarletteDisconnect

from nimbus.core import awssig
from nimbus.core.api.routing import ApiRequest
from nimbus.object.api.s3_signing import (
    STREAMING_SIGNED,
    STREAMING_UNSIGNED_TRAILER,
    UNSIGNED,
    Signed,
)
from nimbus.object.errors import ClientDisconnect
from nimbus.object.schemas.s3_errors import S3Error, signature_mismatch
from nimbus.object.state import ObjectState

# A chunk header is a hex size and a signature: anything longer is not one.
MAX_LINE = 4096
# A chunk is held whole until its signature is checked; the SDKs send 64 KiB to 8 MiB.
MAX_CHUNK = 64 * 1024 * 1024


def declared_length(req: ApiRequest[ObjectState]) -> int | None:
    """The payload's length: ``x-amz-decoded-content-length`` under aws-chunked framing."""
    value = req.headers.get("x-amz-decoded-content-length") or req.headers.get("content-length")
    if value is None:
        return None
    try:
        length = int(value)
    except ValueError:
        raise S3Error("InvalidArgument", "Invalid Content-Length", 400) from None
    if length < 0:
        raise S3Error("InvalidArgument", "Invalid Content-Length", 400)
    return length


def _raw(req: ApiRequest[ObjectState]) -> Iterator[bytes]:
    try:
        yield from req.stream()
    except StarletteDisconnect:
        raise ClientDisconnect() from None


def _counted(chunks: Iterable[bytes], expected: int | None) -> Iterator[bytes]:
    """A decoded aws-chunked payload must be as long as ``x-amz-decoded-content-length``."""
    received = 0
    for chunk in chunks:
        received += len(chunk)
        yield chunk
    if expected is not None and received != expected:
        raise _incomplete()


def _checked_sha256(chunks: Iterable[bytes], expected: str) -> Iterator[bytes]:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != expected.lower():
        raise S3Error("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' "
                      "header does not match what was computed.", 400)


class _Reader:
    """Lines and byte counts out of a stream of chunks of any size."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buf = bytearray()

    def _more(self) -> bool:
        nxt = next(self._chunks, None)
        if nxt is None:
            return False
        self._buf.extend(nxt)
        return True

    def line(self) -> bytes | None:
        while b"\r\n" not in self._buf:
            if len(self._buf) > MAX_LINE:
                raise _incomplete()
            if not self._more():
                if self._buf:
                    raise _incomplete()
                return None
        cut = self._buf.index(b"\r\n")
        line = bytes(self._buf[:cut])
        del self._buf[:cut + 2]
        return line

    def take(self, size: int) -> bytes:
        while len(self._buf) < size:
            if not self._more():
                raise _incomplete()
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data


def _incomplete() -> S3Error:
    return S3Error("IncompleteBody", "The request body terminated unexpectedly", 400)


def _dechunk(chunks: Iterable[bytes], check: Callable[[bytes, str], None],
             on_trailers: Callable[[dict[str, str]], None]) -> Iterator[bytes]:
    """The payload of an aws-chunked body; ``check(data, signature)`` sees every chunk (the
    final empty one too), ``on_trailers`` the trailing ``name:value`` lines at the end."""
    reader = _Reader(chunks)
    while True:
        header = reader.line()
        if header is None:
            raise _incomplete()
        size_text, _, extension = header.decode("latin-1").partition(";")
        try:
            size = int(size_text.strip(), 16)
        except ValueError:
            raise _incomplete() from None
        if size > MAX_CHUNK:
            raise S3Error("InvalidRequest", "An aws-chunked chunk is larger than "
                          f"{MAX_CHUNK} bytes.", 400)
        signature = extension.partition("chunk-signature=")[2].strip()
        data = reader.take(size)
        check(data, signature)
        if size == 0:
            break
        if reader.take(2) != b"\r\n":
            raise _incomplete()
        yield data
    trailers: dict[str, str] = {}
    while (line := reader.line()) is not None and line:
        name, _, value = line.decode("latin-1").partition(":")
        trailers[name.strip().lower()] = value.strip()
    on_trailers(trailers)


def body(req: ApiRequest[ObjectState], signed: Signed | None) -> Iterator[bytes]:
    """The payload, checked as its signature promised."""
    raw = _raw(req)
    mode = signed.payload_hash if signed is not None else UNSIGNED
    if mode == UNSIGNED:
        return raw
    if mode == STREAMING_SIGNED and signed is not None:
        return _counted(_signed_chunks(raw, signed), declared_length(req))
    if mode == STREAMING_UNSIGNED_TRAILER:
        return _counted(_crc_checked(raw, req.headers.get("x-amz-trailer", "").strip().lower()),
                        declared_length(req))
    if len(mode) == 64:
        return _checked_sha256(raw, mode)
    raise S3Error("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER or "
                  "a valid sha256 value.", 400)


def _signed_chunks(raw: Iterable[bytes], signed: Signed) -> Iterator[bytes]:
    """Each chunk is signed over the one before it, so none can be dropped or reordered."""
    secret = signed.verified.secret
    scope = signed.scope
    if not secret or scope is None:
        raise signature_mismatch()
    key = awssig.signing_key(secret, scope)
    previous = [signed.signature]

    def check(data: bytes, signature: str) -> None:
        to_sign = awssig.chunk_string_to_sign(signed.amz_date, scope, previous[0],
                                              hashlib.sha256(data).hexdigest())
        if not awssig.same(signature, awssig.hmac_hex(key, to_sign)):
            raise signature_mismatch()
        previous[0] = signature

    return _dechunk(raw, check, lambda trailers: None)


def _crc_checked(raw: Iterable[bytes], trailer: str) -> Iterator[bytes]:
    """An unsigned chunked body with a trailing checksum: CRC32 is checked (the SDKs' default;
    the other algorithms would need libraries of their own and are left to TLS)."""
    crc = [0]

    def check(data: bytes, signature: str) -> None:
        crc[0] = zlib.crc32(data, crc[0])

    def on_trailers(trailers: dict[str, str]) -> None:
        given = trailers.get("x-amz-checksum-crc32")
        if trailer == "x-amz-checksum-crc32" and given is not None:
            expected = base64.b64encode(crc[0].to_bytes(4, "big")).decode()
            if given != expected:
                raise S3Error("BadDigest", "The CRC32 you specified did not match the "
                              "calculated checksum.", 400)

    return _dechunk(raw, check, on_trailers)
