"""Swift's limits, checked on the way in and advertised by ``GET /info``."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from nimbus.core.errors import BadRequest
from nimbus.object.constants import ACCOUNT_LISTING_LIMIT, CONTAINER_LISTING_LIMIT
from nimbus.object.errors import PreconditionFailed

MAX_FILE_SIZE = 5 * 1024 * 1024 * 1024 + 2
MAX_META_NAME_LENGTH = 128
MAX_META_VALUE_LENGTH = 256
MAX_META_COUNT = 90
MAX_META_OVERALL_SIZE = 4096
MAX_HEADER_SIZE = 8192
MAX_CONTENT_TYPE_LENGTH = 256
MAX_OBJECT_NAME_LENGTH = 1024
MAX_CONTAINER_NAME_LENGTH = 256
MAX_ACCOUNT_NAME_LENGTH = 256


def limits() -> dict[str, Any]:
    """The ``swift`` section of ``/info``."""
    return {
        "max_file_size": MAX_FILE_SIZE,
        "max_meta_name_length": MAX_META_NAME_LENGTH,
        "max_meta_value_length": MAX_META_VALUE_LENGTH,
        "max_meta_count": MAX_META_COUNT,
        "max_meta_overall_size": MAX_META_OVERALL_SIZE,
        "max_header_size": MAX_HEADER_SIZE,
        "max_object_name_length": MAX_OBJECT_NAME_LENGTH,
        "max_container_name_length": MAX_CONTAINER_NAME_LENGTH,
        "max_account_name_length": MAX_ACCOUNT_NAME_LENGTH,
        "container_listing_limit": CONTAINER_LISTING_LIMIT,
        "account_listing_limit": ACCOUNT_LISTING_LIMIT,
        "extra_header_count": 0,
    }


INVALID_UTF8 = "Invalid UTF8 or contains NULL"


def strict_unquote(raw: bytes) -> str:
    """Percent-decode ``raw`` (a path as the client sent it, or a header naming one) as UTF-8.

    Swift's 412 for bytes that are not UTF-8 or hold NUL: decoding them leniently would make
    ``%ff`` and ``%ef%bf%bd`` (U+FFFD) one name.
    """
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise PreconditionFailed(reason=INVALID_UTF8) from None
    if "\x00" in text:
        raise PreconditionFailed(reason=INVALID_UTF8)
    return text


def check_query_string(raw: bytes) -> None:
    """Every query parameter must be UTF-8 once decoded (Swift's 400 names the parameter)."""
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                shown = unquote_to_bytes(name).decode("utf-8", "replace")
                raise BadRequest(f'"{shown}" parameter not valid UTF-8') from None


def check_container_name(name: str) -> None:
    if not name:
        raise BadRequest("Container name is required.")
    if "/" in name:
        raise BadRequest("Container name may not contain '/'.")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_CONTAINER_NAME_LENGTH:
        raise BadRequest(f"Container name length of {len(name.encode())} longer than "
                         f"{MAX_CONTAINER_NAME_LENGTH}")
    _check_text(name, "Container name")


def check_object_name(name: str) -> None:
    if not name:
        raise BadRequest("Object name is required.")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_OBJECT_NAME_LENGTH:
        raise BadRequest(f"Object name length of {len(name.encode())} longer than "
                         f"{MAX_OBJECT_NAME_LENGTH}")
    _check_text(name, "Object name")


def _check_text(name: str, what: str) -> None:
    # Names come percent-decoded; undecodable bytes arrive as surrogates and NUL is never valid.
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"{what} must be valid UTF-8.") from None
    if "\x00" in name:
        raise BadRequest(f"{what} may not contain NUL.")


def check_metadata(meta: dict[str, str], kind: str) -> None:
    """Swift's per-name, per-value, count and overall size limits on user metadata."""
    size = 0
    for key, value in meta.items():
        if not key:
            raise BadRequest("Metadata name cannot be empty")
        if len(key) > MAX_META_NAME_LENGTH:
            raise BadRequest(f"Metadata name too long: X-{kind.title()}-Meta-{key}")
        if len(value) > MAX_META_VALUE_LENGTH:
            raise BadRequest(f"Metadata value longer than {MAX_META_VALUE_LENGTH}: "
                             f"X-{kind.title()}-Meta-{key}")
        size += len(key) + len(value)
    if len(meta) > MAX_META_COUNT:
        raise BadRequest(f"Too many metadata items; max {MAX_META_COUNT}")
    if size > MAX_META_OVERALL_SIZE:
        raise BadRequest(f"Total metadata too large; max {MAX_META_OVERALL_SIZE}")
