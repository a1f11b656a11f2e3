"""CORS (preflights and the headers of allowed origins) and the cross-domain policy."""

from __future__ import annotations

from typing import Any

from tests.unit.object.conftest import account

COVERS = [("object", "CORS: container Access-Control metadata, preflight OPTIONS, "
                     "strict_cors_mode; /crossdomain.xml")]

A = account()


def _container(member: Any) -> None:
    member.put(f"{A}/web", headers={
        "X-Container-Meta-Access-Control-Allow-Origin": "https://a.example https://b.example",
        "X-Container-Meta-Access-Control-Max-Age": "600",
        "X-Container-Meta-Access-Control-Expose-Headers": "X-Custom"})
    member.put(f"{A}/web/o", content=b"x", headers={"X-Object-Meta-Kind": "k"})


def test_preflight(swift: Any, member: Any) -> None:
    _container(member)
    anonymous = swift.as_(None)
    resp = anonymous.request("OPTIONS", f"{A}/web/o", headers={
        "Origin": "https://a.example", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "x-auth-token, content-type"})
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] == "https://a.example"
    assert resp.headers["access-control-max-age"] == "600"
    assert "PUT" in resp.headers["access-control-allow-methods"]
    assert resp.headers["access-control-allow-headers"] == "x-auth-token, content-type"
    denied = anonymous.request("OPTIONS", f"{A}/web/o", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert denied.status_code == 401
    plain = anonymous.request("OPTIONS", f"{A}/web")
    assert plain.status_code == 200
    assert "GET" in plain.headers["allow"]


def test_actual_requests(swift: Any, member: Any) -> None:
    _container(member)
    resp = member.get(f"{A}/web/o", headers={"Origin": "https://b.example"})
    assert resp.headers["access-control-allow-origin"] == "https://b.example"
    exposed = resp.headers["access-control-expose-headers"].split(", ")
    assert {"etag", "x-custom", "x-object-meta-kind"} <= set(exposed)
    # Strict mode: an origin the container does not name gets no CORS headers.
    other = member.get(f"{A}/web/o", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    missing = member.get(f"{A}/web/none", headers={"Origin": "https://a.example"})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == "https://a.example"


def test_crossdomain(swift: Any) -> None:
    resp = swift.as_(None).get("/crossdomain.xml")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/xml")
    assert resp.text.startswith('<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy')
    assert resp.text.endswith("</cross-domain-policy>")
    assert "x-trans-id" in resp.headers
