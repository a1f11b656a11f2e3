"""Account and container quotas: who may set them, Swift's 400 and 413 bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.personas import fake_validator, token_body
from tests.unit.object.conftest import account

COVERS = [
    ("object", "quotas: container bytes and count (X-Container-Meta-Quota-*)"),
    ("object", "quotas: account bytes and count, set only by a reseller admin"),
]

A = account()


@pytest.fixture
def api(make_cloud: Callable[..., Any]) -> Any:
    """The object service, with a ``persona-reseller`` token holding ResellerAdmin."""
    cloud, client = make_cloud(["object"], prefix="/object")

    def validator(token: str) -> dict[str, Any]:
        if token == "persona-reseller":
            body = token_body("admin")
            body["roles"] = [{"id": "r-reseller", "name": "ResellerAdmin"}]
            return body
        return fake_validator(token)

    cloud.auth.use_local(validator)
    return client


def _reseller(api: Any) -> dict[str, str]:
    return {"X-Auth-Token": "persona-reseller"}


def test_container_bytes_quota(api: Any) -> None:
    member = api.as_("member")
    assert member.put(f"{A}/q", headers={"X-Container-Meta-Quota-Bytes": "10"}).status_code == 201
    assert member.put(f"{A}/q/ok", content=b"x" * 10).status_code == 201
    resp = member.put(f"{A}/q/big", content=b"x")
    assert resp.status_code == 413
    assert resp.text == "Upload exceeds quota."
    assert member.head(f"{A}/q").headers["X-Container-Bytes-Used"] == "10"


def test_container_count_quota(api: Any) -> None:
    member = api.as_("member")
    member.put(f"{A}/q")
    assert member.post(f"{A}/q", headers={"X-Container-Meta-Quota-Count": "1"}).status_code == 204
    assert member.put(f"{A}/q/one", content=b"").status_code == 201
    assert member.put(f"{A}/q/two", content=b"").status_code == 413
    # A copy counts as an upload too.
    copy = member.put(f"{A}/q/three", headers={"X-Copy-From": "q/one", "Content-Length": "0"})
    assert copy.status_code == 413


def test_container_quota_must_be_a_number(api: Any) -> None:
    member = api.as_("member")
    resp = member.put(f"{A}/q", headers={"X-Container-Meta-Quota-Bytes": "ten"})
    assert (resp.status_code, resp.text) == (400, "Invalid bytes quota.")
    member.put(f"{A}/q")
    resp = member.post(f"{A}/q", headers={"X-Container-Meta-Quota-Count": "-1"})
    assert (resp.status_code, resp.text) == (400, "Invalid count quota.")


def test_only_a_reseller_sets_account_quota(api: Any) -> None:
    member = api.as_("member")
    for value in ("100", ""):
        resp = member.post(A, headers={"X-Account-Meta-Quota-Bytes": value})
        assert resp.status_code == 403
    assert member.post(A, headers={"X-Remove-Account-Quota-Count": "x"}).status_code == 403
    ok = api.post(A, headers={**_reseller(api), "X-Account-Meta-Quota-Bytes": "5"})
    assert ok.status_code == 204
    bad = api.post(A, headers={**_reseller(api), "X-Account-Quota-Count": "many"})
    assert (bad.status_code, bad.text) == (400, "Invalid count quota.")
    # Other metadata stays the customer's own.
    assert member.post(A, headers={"X-Account-Meta-Color": "red"}).status_code == 204


def test_account_quotas_hold_uploads(api: Any) -> None:
    member = api.as_("member")
    member.put(f"{A}/c")
    api.post(A, headers={**_reseller(api), "X-Account-Meta-Quota-Bytes": "5"})
    assert member.put(f"{A}/c/a", content=b"12345").status_code == 201
    assert member.put(f"{A}/c/b", content=b"6").status_code == 413
    api.post(A, headers={**_reseller(api), "X-Remove-Account-Meta-Quota-Bytes": "x",
                         "X-Account-Quota-Count": "1"})
    resp = member.put(f"{A}/c/b", content=b"6")
    assert (resp.status_code, resp.text) == (413, "Upload exceeds quota.")
    api.post(A, headers={**_reseller(api), "X-Remove-Account-Quota-Count": "x"})
    assert member.put(f"{A}/c/b", content=b"6").status_code == 201


def test_info_lists_quotas(api: Any) -> None:
    info = api.get("/info").json()
    assert info["account_quotas"] == {} and info["container_quotas"] == {}
