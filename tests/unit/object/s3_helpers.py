"""An S3 client for the in-process object service: requests signed by botocore's own signers
(the code boto3 and the aws CLI sign with), sent through the test client.

Identity is replaced by a fake that knows a few EC2 keys, each a persona's, and checks
signatures with the same arithmetic the identity service uses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from nimbus.core import awssig
from nimbus.core.errors import NotFound, Unauthorized
from tests.support.personas import token_body, user_of

KEYS = {"AKMEMBER": ("member-secret", "member"), "AKREADER": ("reader-secret", "reader"),
        "AKOTHER": ("other-secret", "other")}
BASE = "http://testserver/object/s3"


def _encoded(query: str) -> str:
    """The query as boto3 sends one: every value percent-encoded (``/`` too)."""
    pairs = []
    for item in query.split("&"):
        name, sep, value = item.partition("=")
        pairs.append(quote(name, safe="-_.~") + (sep + quote(value, safe="-_.~") if sep else ""))
    return "&".join(pairs)


class FakeIdentity:
    """``s3tokens`` and the OS-EC2 secret read, for the keys in ``KEYS``."""

    def __init__(self) -> None:
        self.s3token_calls = 0

    def s3token(self, access: str, string_to_sign: bytes, signature: str) -> dict[str, Any]:
        self.s3token_calls += 1
        if access not in KEYS:
            raise NotFound("EC2 access key not found.")
        secret, persona = KEYS[access]
        try:
            expected = awssig.sign_string(secret, string_to_sign)
        except awssig.SignatureError:
            raise Unauthorized("Invalid EC2 signature.") from None
        if not awssig.same(signature, expected):
            raise Unauthorized("Credential signature mismatch")
        return token_body(persona)

    def ec2_secret(self, user_id: str, access: str) -> str:
        secret, persona = KEYS[access]
        assert user_of(persona) == user_id
        return secret


class S3:
    def __init__(self, client: Any, access: str = "AKMEMBER", secret: str | None = None) -> None:
        self.client = client
        self.access = access
        self.secret = secret if secret is not None else KEYS[access][0]

    def as_(self, access: str, secret: str | None = None) -> S3:
        return S3(self.client, access, secret)

    def _request(self, method: str, path: str, body: bytes, headers: dict[str, str] | None,
                 query: str) -> AWSRequest:
        url = BASE + path + (f"?{_encoded(query)}" if query else "")
        return AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None, query: str = "",
                when: dt.datetime | None = None) -> Any:
        req = self._request(method, path, body, headers, query)
        signer = S3SigV4Auth(Credentials(self.access, self.secret), "s3", "us-east-1")
        if when is not None:
            req.context["timestamp"] = when.strftime("%Y%m%dT%H%M%SZ")
            signer._modify_request_before_signing(req)  # what add_auth does, at that time
            req.headers["X-Amz-Date"] = req.context["timestamp"]
            signature = signer.signature(signer.string_to_sign(req, signer.canonical_request(
                req)), req)
            signer._inject_signature_to_request(req, signature)
        else:
            signer.add_auth(req)
        prepared = req.prepare()
        return self.client.request(method, prepared.url, content=body,
                                   headers=dict(prepared.headers))

    def presign(self, method: str, path: str, expires: int = 60, query: str = "") -> str:
        req = self._request(method, path, b"", None, query)
        S3SigV4QueryAuth(Credentials(self.access, self.secret), "s3", "us-east-1",
                         expires=expires).add_auth(req)
        return str(req.prepare().url)

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def put(self, path: str, body: bytes = b"", **kw: Any) -> Any:
        return self.request("PUT", path, body, **kw)

    def post(self, path: str, body: bytes = b"", **kw: Any) -> Any:
        return self.request("POST", path, body, **kw)

    def head(self, path: str, **kw: Any) -> Any:
        return self.request("HEAD", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)


def code(resp: Any) -> str:
    """The ``<Code>`` of an S3 error body."""
    import xml.etree.ElementTree as ET

    return str(ET.fromstring(resp.content).findtext("Code"))
