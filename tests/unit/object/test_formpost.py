"""Form posts: signed uploads without a token, their limits, expiry and redirects."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from nimbus.object.schemas.multipart import MimeInvalid, MultipartReader
from tests.unit.object.conftest import account

COVERS = [("object", "formpost: signed multipart uploads, max_file_size, max_file_count, "
                     "expiry, redirect, invalid signatures")]

A = account()
BOUNDARY = "--boundary--"


def _form(path: str, key: str = "secret", expires_in: int = 600, redirect: str = "",
          max_size: int = 1024, max_count: int = 2,
          files: tuple[tuple[str, bytes], ...] = (("a.txt", b"hello world"),)) -> bytes:
    expires = int(time.time()) + expires_in
    signed = f"{path}\n{redirect}\n{max_size}\n{max_count}\n{expires}"
    fields = {"redirect": redirect, "max_file_size": str(max_size),
              "max_file_count": str(max_count), "expires": str(expires),
              "signature": hmac.new(key.encode(), signed.encode(), hashlib.sha256).hexdigest()}
    lines: list[bytes] = []
    for name, value in fields.items():
        lines += [f"--{BOUNDARY}".encode(),
                  f'Content-Disposition: form-data; name="{name}"'.encode(), b"",
                  value.encode()]
    for index, (filename, data) in enumerate(files):
        lines += [f"--{BOUNDARY}".encode(),
                  f'Content-Disposition: form-data; name="f{index}"; '
                  f'filename="{filename}"'.encode(),
                  b"Content-Type: text/plain", b"", data]
    lines += [f"--{BOUNDARY}--".encode(), b""]
    return b"\r\n".join(lines)


HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def _setup(member: Any) -> None:
    member.post(A, headers={"X-Account-Meta-Temp-URL-Key": "secret"})
    member.put(f"{A}/up")


def test_upload_without_a_token(swift: Any, member: Any) -> None:
    _setup(member)
    resp = swift.as_(None).post(f"{A}/up/pre-", content=_form(f"{A}/up/pre-"),
                                headers=HEADERS)
    assert resp.status_code == 201, resp.text
    assert resp.text == "201 Created"
    got = member.get(f"{A}/up/pre-a.txt")
    assert got.content == b"hello world"
    assert got.headers["content-type"] == "text/plain"


def test_upload_to_the_container_and_redirect(swift: Any, member: Any) -> None:
    _setup(member)
    body = _form(f"{A}/up", redirect="https://example.com/done",
                 files=(("x", b"1"), ("y", b"2")))
    resp = swift.as_(None).post(f"{A}/up", content=body, headers=HEADERS,
                                follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "https://example.com/done?status=201&message="
    assert member.get(f"{A}/up/x").content == b"1"
    assert member.get(f"{A}/up/y").content == b"2"


def test_refusals(swift: Any, member: Any) -> None:
    _setup(member)
    anonymous = swift.as_(None)
    path = f"{A}/up/"
    bad_key = anonymous.post(path, content=_form(path, key="wrong"), headers=HEADERS)
    assert bad_key.status_code == 401
    assert "FormPost: Invalid Signature" in bad_key.text
    expired = anonymous.post(path, content=_form(path, expires_in=-5), headers=HEADERS)
    assert expired.status_code == 401
    assert "FormPost: Form Expired" in expired.text
    too_big = anonymous.post(path, content=_form(path, max_size=3), headers=HEADERS)
    assert too_big.status_code == 400
    assert too_big.text == "FormPost: max_file_size exceeded"
    assert member.get(f"{A}/up/a.txt").status_code == 404
    too_many = anonymous.post(path, content=_form(path, max_count=1, files=(
        ("1", b"1"), ("2", b"2"))), headers=HEADERS)
    assert too_many.status_code == 400
    assert "Max File Count Exceeded" in too_many.text
    no_files = anonymous.post(path, content=_form(path, files=()), headers=HEADERS)
    assert no_files.status_code == 400
    assert "No Files To Process" in no_files.text
    garbage = anonymous.post(path, content=b"nothing like a form", headers=HEADERS)
    assert garbage.status_code == 400
    assert garbage.text == "FormPost: invalid starting boundary"


def test_another_projects_key_does_not_sign(swift: Any, member: Any) -> None:
    _setup(member)
    other = swift.as_("other")
    theirs = account("other")
    other.put(f"{theirs}/up")
    resp = swift.as_(None).post(f"{theirs}/up/", content=_form(f"{theirs}/up/"),
                                headers=HEADERS)
    assert resp.status_code == 401
    assert other.get(f"{theirs}/up/a.txt").status_code == 404


def test_multipart_reader_streams_parts() -> None:
    body = (b"\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n"
            + b"z" * 100_000 + b"\r\n--b--\r\n")
    chunks = iter([body[i:i + 7] for i in range(0, len(body), 7)])
    parts = MultipartReader(chunks, "b").parts()
    first = next(parts)
    assert first.name == "a" and first.read(100) == b"one"
    second = next(parts)
    assert second.filename == "x"
    assert b"".join(second.chunks()) == b"z" * 100_000
    assert next(parts, None) is None
    try:
        list(MultipartReader(iter([b"--c\r\n\r\n"]), "b").parts())
    except MimeInvalid:
        pass
    else:
        raise AssertionError("a body without the boundary is refused")
