"""Temporary URLs: signatures of each digest and form, expiry, prefixes, keys and scopes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import pytest

from nimbus.object.manager import signatures
from tests.unit.object.conftest import account

COVERS = [("object", "tempurl: HMAC sha1/sha256/sha512 (hex and base64), expiry (unix and "
                     "ISO 8601), prefixes, account and container keys, key hiding")]

A = account()
OTHER = account("other")


def _sign(key: str, method: str, path: str, expires: int | str, digest: str = "sha256",
          prefix: bool = False, ip_range: str | None = None) -> str:
    body = f"{method}\n{expires}\n{'prefix:' if prefix else ''}{path}"
    if ip_range:
        body = f"ip={ip_range}\n{body}"
    return hmac.new(key.encode(), body.encode(), digest).hexdigest()


def _setup(member: Any, key: str = "secret") -> None:
    assert member.post(A, headers={"X-Account-Meta-Temp-URL-Key": key}).status_code == 204
    assert member.put(f"{A}/c").status_code == 201
    assert member.put(f"{A}/c/o.txt", content=b"hello",
                      headers={"X-Object-Meta-Color": "red",
                               "X-Object-Meta-Public-Tag": "t"}).status_code == 201


def _url(path: str, sig: str, expires: int | str, **extra: str) -> str:
    query = "&".join([f"temp_url_sig={sig}", f"temp_url_expires={expires}"] +
                     [f"{k}={v}" if v else k for k, v in extra.items()])
    return f"{path}?{query}"


@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha512"])
def test_get_with_each_digest(swift: Any, member: Any, digest: str) -> None:
    _setup(member)
    expires = int(time.time()) + 60
    path = f"{A}/c/o.txt"
    resp = swift.as_(None).get(_url(path, _sign("secret", "GET", path, expires, digest),
                                    expires))
    assert resp.status_code == 200, resp.text
    assert resp.content == b"hello"
    assert resp.headers["content-disposition"].startswith('attachment; filename="o.txt"')
    assert "expires" in resp.headers
    # Private metadata stays private; ``Public-`` metadata is shown.
    assert "x-object-meta-color" not in resp.headers
    assert resp.headers["x-object-meta-public-tag"] == "t"


def test_base64_signature_and_iso_expiry(swift: Any, member: Any) -> None:
    _setup(member)
    when = int(time.time()) + 120
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
    path = f"{A}/c/o.txt"
    raw = hmac.new(b"secret", f"GET\n{when}\n{path}".encode(), hashlib.sha512).digest()
    sig = "sha512:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    resp = swift.as_(None).get(_url(path, sig, iso))
    assert resp.status_code == 200, resp.text


def test_bad_signatures_and_expiry_are_401(swift: Any, member: Any) -> None:
    _setup(member)
    anonymous = swift.as_(None)
    path = f"{A}/c/o.txt"
    future, past = int(time.time()) + 60, int(time.time()) - 1
    for url in (_url(path, _sign("wrong", "GET", path, future), future),
                _url(path, _sign("secret", "GET", path, past), past),
                _url(path, _sign("secret", "PUT", path, future), future),
                _url(path, "nothex", future),
                _url(path, "abc", future),
                _url(path, _sign("secret", "GET", path, future), "soon"),
                f"{path}?temp_url_sig={_sign('secret', 'GET', path, future)}"):
        resp = anonymous.get(url)
        assert resp.status_code == 401, url
        assert resp.text == "401 Unauthorized: Temp URL invalid\n"
    # A URL for another object of the container does not open this one.
    other = f"{A}/c/other"
    assert anonymous.get(_url(path, _sign("secret", "GET", other, future), future)) \
        .status_code == 401


def test_head_takes_a_get_signature_and_put_writes(swift: Any, member: Any) -> None:
    _setup(member)
    anonymous = swift.as_(None)
    expires = int(time.time()) + 60
    path = f"{A}/c/new"
    put = anonymous.put(_url(path, _sign("secret", "PUT", path, expires), expires),
                        content=b"data")
    assert put.status_code == 201, put.text
    assert anonymous.head(_url(path, _sign("secret", "PUT", path, expires), expires)) \
        .status_code == 200
    assert member.get(f"{A}/c/new").content == b"data"
    # A PUT URL may not make the object a manifest of other objects.
    resp = anonymous.put(_url(path, _sign("secret", "PUT", path, expires), expires),
                         content=b"", headers={"X-Object-Manifest": "c/o"})
    assert resp.status_code == 400
    delete = anonymous.delete(_url(path, _sign("secret", "DELETE", path, expires), expires))
    assert delete.status_code == 204
    assert member.get(f"{A}/c/new").status_code == 404


def test_prefix_inline_and_filename(swift: Any, member: Any) -> None:
    _setup(member)
    member.put(f"{A}/c/pub/a.txt", content=b"A")
    expires = int(time.time()) + 60
    sig = _sign("secret", "GET", f"/v1/AUTH_{A.split('AUTH_')[1]}/c/pub/", expires,
                prefix=True)
    anonymous = swift.as_(None)
    resp = anonymous.get(_url(f"{A}/c/pub/a.txt", sig, expires, temp_url_prefix="pub/",
                              inline=""))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-disposition"] == "inline"
    # Outside the prefix: refused.
    assert anonymous.get(_url(f"{A}/c/o.txt", sig, expires, temp_url_prefix="pub/")) \
        .status_code == 401
    named = anonymous.get(_url(f"{A}/c/pub/a.txt", sig, expires, temp_url_prefix="pub/",
                               filename="report.txt"))
    assert named.headers["content-disposition"].startswith('attachment; filename="report.txt"')


def test_container_key_and_key_2(swift: Any, member: Any) -> None:
    _setup(member)
    member.post(A, headers={"X-Account-Meta-Temp-URL-Key-2": "second"})
    member.post(f"{A}/c", headers={"X-Container-Meta-Temp-URL-Key": "ckey"})
    expires = int(time.time()) + 60
    path = f"{A}/c/o.txt"
    for key in ("second", "ckey"):
        assert swift.as_(None).get(_url(path, _sign(key, "GET", path, expires), expires)) \
            .status_code == 200


def test_ip_range_binds_the_url(swift: Any, member: Any) -> None:
    _setup(member)
    expires = int(time.time()) + 60
    path = f"{A}/c/o.txt"
    sig = _sign("secret", "GET", path, expires, ip_range="10.0.0.0/8")
    assert swift.as_(None).get(_url(path, sig, expires, temp_url_ip_range="10.0.0.0/8")) \
        .status_code == 401


def test_keys_of_one_project_do_not_open_another(swift: Any, member: Any) -> None:
    _setup(member)
    other = swift.as_("other")
    other.put(f"{OTHER}/c")
    other.put(f"{OTHER}/c/o.txt", content=b"theirs")
    expires = int(time.time()) + 60
    path = f"{OTHER}/c/o.txt"
    # Signed with this project's key, aimed at the other's object.
    assert swift.as_(None).get(_url(path, _sign("secret", "GET", path, expires), expires)) \
        .status_code == 401


def test_keys_are_hidden_from_readers(swift: Any, member: Any) -> None:
    _setup(member)
    member.post(f"{A}/c", headers={"X-Container-Meta-Temp-URL-Key": "ckey"})
    assert member.head(A).headers["x-account-meta-temp-url-key"] == "secret"
    reader = swift.as_("reader")
    assert "x-account-meta-temp-url-key" not in reader.head(A).headers
    assert "x-container-meta-temp-url-key" not in reader.head(f"{A}/c").headers


def test_info_section(swift: Any) -> None:
    info = swift.as_(None).get("/info").json()
    assert info["tempurl"]["allowed_digests"] == ["sha1", "sha256", "sha512"]
    assert info["tempurl"]["methods"] == ["GET", "HEAD", "PUT", "POST", "DELETE"]


def test_signature_parsing() -> None:
    hexed = "ab" * 32
    assert signatures.parse_signature(hexed) == ("sha256", hexed)
    assert signatures.parse_signature("ab" * 21) is None
    assert signatures.parse_signature("md5:AAAA") is None
    assert signatures.parse_signature("sha1:!!!") is None
    assert signatures.expires_at("1") == 0
    assert signatures.expires_at("2999-01-01T00:00:00Z") > time.time()
    assert signatures.expires_at("2999-01-01") == 0
