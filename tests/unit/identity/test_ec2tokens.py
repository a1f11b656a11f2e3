"""``POST /v3/ec2tokens`` and ``POST /v3/s3tokens``: signatures made with an EC2 credential's
secret, checked here, answered with a token on the credential's project; services only."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from typing import Any

import pytest

from nimbus.core import awssig
from tests.unit.identity.conftest import Keystone
from tests.unit.identity.delegation_helpers import login, make_project, make_user

COVERS = [
    ("identity", "POST /v3/ec2tokens (SigV4 and v2 signatures)"),
    ("identity", "POST /v3/s3tokens"),
]


@pytest.fixture
def setup(keystone: Keystone) -> dict[str, Any]:
    admin = keystone.admin()
    project = make_project(keystone, admin)
    alice = make_user(keystone, admin, project, "member")
    token = login(keystone, alice, project)[0]
    resp = keystone.call("POST", f"/users/{alice.id}/credentials/OS-EC2", token,
                         json={"tenant_id": project})
    assert resp.status_code == 201, resp.text
    cred = resp.json()["credential"]
    return {"admin": admin, "alice": token, "project": project, "user": alice.id,
            "access": cred["access"], "secret": cred["secret"]}


def _s3_body(access: str, to_sign: bytes, signature: str) -> dict[str, Any]:
    token = base64.urlsafe_b64encode(to_sign).decode()
    return {"credentials": {"access": access, "token": token, "signature": signature}}


def _v4_string(when: dt.datetime) -> bytes:
    scope = awssig.Scope(when.strftime("%Y%m%d"), "RegionOne", "s3")
    canonical = awssig.canonical_request("GET", "/b/k", "", {"host": "h"}, ["host"],
                                         awssig.EMPTY_SHA256)
    return awssig.string_to_sign(when.strftime("%Y%m%dT%H%M%SZ"), scope, canonical).encode()


def test_s3tokens_checks_the_signature(keystone: Keystone, setup: dict[str, Any]) -> None:
    to_sign = _v4_string(dt.datetime.now(dt.UTC))
    good = awssig.sign_string(setup["secret"], to_sign)
    resp = keystone.call("POST", "/s3tokens", setup["admin"],
                         json=_s3_body(setup["access"], to_sign, good))
    assert resp.status_code == 200, resp.text
    token = resp.json()["token"]
    assert token["project"]["id"] == setup["project"] and token["user"]["id"] == setup["user"]
    assert "member" in [r["name"] for r in token["roles"]]
    assert "X-Subject-Token" not in resp.headers
    bad = keystone.call("POST", "/s3tokens", setup["admin"],
                        json=_s3_body(setup["access"], to_sign, "0" * 64))
    assert bad.status_code == 401
    unknown = keystone.call("POST", "/s3tokens", setup["admin"],
                            json=_s3_body("nobody", to_sign, good))
    assert unknown.status_code == 404
    # Version 2 strings are signed with HMAC-SHA1.
    v2 = b"GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/b/k"
    sig = base64.b64encode(hmac.new(setup["secret"].encode(), v2, hashlib.sha1).digest())
    resp = keystone.call("POST", "/s3tokens", setup["admin"],
                         json=_s3_body(setup["access"], v2, sig.decode()))
    assert resp.status_code == 200


def test_only_services_and_admins_exchange(keystone: Keystone, setup: dict[str, Any]) -> None:
    to_sign = _v4_string(dt.datetime.now(dt.UTC))
    body = _s3_body(setup["access"], to_sign, awssig.sign_string(setup["secret"], to_sign))
    assert keystone.call("POST", "/s3tokens", setup["alice"], json=body).status_code == 403
    assert keystone.call("POST", "/ec2tokens", setup["alice"], json=body).status_code == 403
    assert keystone.call("POST", "/s3tokens", None, json=body).status_code == 401
    assert keystone.call("POST", "/s3tokens", setup["admin"], json={}).status_code == 400


def test_ec2tokens_v4_and_v2(keystone: Keystone, setup: dict[str, Any]) -> None:
    now = dt.datetime.now(dt.UTC)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    scope = awssig.Scope(amz_date[:8], "RegionOne", "s3")
    headers = {"host": "example:8773", "x-amz-date": amz_date}
    canonical = awssig.canonical_request("GET", "/", "Action=DescribeInstances", headers,
                                         ["host", "x-amz-date"], awssig.EMPTY_SHA256)
    signature = awssig.sign_string(setup["secret"], awssig.string_to_sign(
        amz_date, scope, canonical).encode())
    creds = {"access": setup["access"], "signature": signature, "host": "example:8773",
             "verb": "GET", "path": "/", "params": {"Action": "DescribeInstances"},
             "body_hash": awssig.EMPTY_SHA256,
             "headers": {"Host": "example:8773", "X-Amz-Date": amz_date,
                         "Authorization": f"AWS4-HMAC-SHA256 Credential={setup['access']}/"
                                          f"{scope}, SignedHeaders=host;x-amz-date, "
                                          f"Signature={signature}"}}
    resp = keystone.call("POST", "/ec2tokens", setup["admin"], json={"credentials": creds})
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Subject-Token"]
    assert resp.json()["token"]["project"]["id"] == setup["project"]
    wrong = keystone.call("POST", "/ec2tokens", setup["admin"],
                          json={"credentials": {**creds, "signature": "x" * 64}})
    assert wrong.status_code == 401
    # Version 2: the query signed with HMAC-SHA256; an old timestamp has expired.
    params = {"Action": "DescribeInstances", "SignatureVersion": "2",
              "SignatureMethod": "HmacSHA256", "AWSAccessKeyId": setup["access"],
              "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    message = "\n".join(["GET", "example", "/", awssig.canonical_query(params.items())])
    sig = base64.b64encode(hmac.new(setup["secret"].encode(), message.encode(),
                                    hashlib.sha256).digest()).decode()
    v2 = {"access": setup["access"], "signature": sig, "host": "example", "verb": "GET",
          "path": "/", "params": params}
    assert keystone.call("POST", "/ec2tokens", setup["admin"],
                         json={"ec2Credentials": v2}).status_code == 200
    old = (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    params["Timestamp"] = old
    message = "\n".join(["GET", "example", "/", awssig.canonical_query(params.items())])
    v2["signature"] = base64.b64encode(hmac.new(setup["secret"].encode(), message.encode(),
                                                hashlib.sha256).digest()).decode()
    assert keystone.call("POST", "/ec2tokens", setup["admin"],
                         json={"credentials": v2}).status_code == 401
