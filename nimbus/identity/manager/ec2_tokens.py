"""``POST /v3/ec2tokens`` and ``POST /v3/s3tokens``: a request signed with an EC2 secret is
proof of the credential's user, and is answered with a token on the credential's project.

The secret never leaves this service in these calls: the caller sends what was signed (s3tokens:
the string to sign; ec2tokens: the request's parts, from which the string is built here) and
the signature, and this side computes the signature the stored secret gives.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from nimbus.core import awssig
from nimbus.core.errors import NotFound, Unauthorized
from nimbus.identity.constants import EC2
from nimbus.identity.manager.credentials import CredentialManager, ec2_credential_id
from nimbus.identity.manager.domain_users import DomainUserManager
from nimbus.identity.manager.resource import ResourceManager
from nimbus.identity.manager.tokens import Issued, TokenManager

# Keystone's ``[credential] auth_ttl``: how old a signed request's timestamp may be (minutes).
AUTH_TTL = 15
METHOD = "ec2credential"


def _credentials(body: Mapping[str, Any]) -> dict[str, Any]:
    """The signed request, under any of the three names Keystone has accepted over time."""
    creds = body.get("credentials") or body.get("credential") or body.get("ec2Credentials")
    if not isinstance(creds, dict) or not isinstance(creds.get("access"), str):
        raise Unauthorized("EC2 Signature not supplied.")
    return creds


def _timestamp(creds: Mapping[str, Any]) -> str | None:
    params = creds.get("params") or {}
    headers = creds.get("headers") or {}
    value = params.get("Timestamp") or headers.get("X-Amz-Date") or params.get("X-Amz-Date")
    return str(value) if value else None


def check_timestamp(creds: Mapping[str, Any], now: dt.datetime | None = None) -> None:
    """A signed request older than the TTL is refused (one without a time is not checked)."""
    stamp = _timestamp(creds)
    if stamp is None:
        return
    try:
        if "-" in stamp:
            when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        else:
            when = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise Unauthorized("Credential timestamp is invalid.") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = now or dt.datetime.now(dt.UTC)
    if current > when + dt.timedelta(minutes=AUTH_TTL):
        raise Unauthorized("Credential is expired.")


def _v4_parts(creds: Mapping[str, Any]) -> tuple[str, str, list[str], str] | None:
    """(amz date, scope, signed headers, signature) of a SigV4 request; None for v2."""
    headers = {str(k).lower(): str(v) for k, v in (creds.get("headers") or {}).items()}
    params = {str(k): str(v) for k, v in (creds.get("params") or {}).items()}
    auth = headers.get("authorization", "")
    if auth.startswith(awssig.ALGORITHM):
        fields = dict(item.strip().split("=", 1) for item in auth[len(awssig.ALGORITHM):]
                      .split(",") if "=" in item)
        credential = fields.get("Credential", "").split("/", 1)
        if len(credential) != 2:
            raise Unauthorized("Invalid EC2 signature.")
        return (headers.get("x-amz-date", ""), credential[1],
                fields.get("SignedHeaders", "").split(";"), fields.get("Signature", ""))
    if params.get("X-Amz-Algorithm") == awssig.ALGORITHM:
        credential = params.get("X-Amz-Credential", "").split("/", 1)
        if len(credential) != 2:
            raise Unauthorized("Invalid EC2 signature.")
        return (params.get("X-Amz-Date", ""), credential[1],
                params.get("X-Amz-SignedHeaders", "").split(";"), "")
    return None


def ec2_signature(secret: str, creds: Mapping[str, Any]) -> str:
    """The signature ``secret`` gives the request ``creds`` describes (SigV4 or v2), as an
    EC2 client computes it."""
    verb = str(creds.get("verb", "GET"))
    path = str(creds.get("path", "/"))
    host = str(creds.get("host", ""))
    params = {str(k): str(v) for k, v in (creds.get("params") or {}).items()}
    v4 = _v4_parts(creds)
    if v4 is not None:
        amz_date, scope_text, signed, _ = v4
        headers = {str(k).lower(): str(v) for k, v in (creds.get("headers") or {}).items()}
        headers.setdefault("host", host)
        try:
            scope = awssig.Scope.parse(scope_text)
        except awssig.SignatureError:
            raise Unauthorized("Invalid EC2 signature.") from None
        canonical = awssig.canonical_request(
            verb, awssig.uri_encode(path, True),
            awssig.canonical_query(params.items(), skip="X-Amz-Signature"), headers, signed,
            str(creds.get("body_hash") or awssig.EMPTY_SHA256))
        to_sign = awssig.string_to_sign(amz_date, scope, canonical)
        try:
            return awssig.sign_string_v4(secret, to_sign.encode())
        except awssig.SignatureError:
            raise Unauthorized("Invalid EC2 signature.") from None
    if params.get("SignatureVersion") != "2":
        raise Unauthorized("Unsupported EC2 signature version.")
    query = awssig.canonical_query(params.items(), skip="Signature")
    message = "\n".join([verb.upper(), host, path, query]).encode()
    digest = "sha1" if params.get("SignatureMethod") == "HmacSHA1" else "sha256"
    return base64.b64encode(hmac.new(secret.encode(), message, digest).digest()).decode()


class Ec2Tokens:
    def __init__(self, creds: CredentialManager, users: DomainUserManager,
                 resource: ResourceManager, tokens: TokenManager) -> None:
        self.creds = creds
        self.users = users
        self.resource = resource
        self.tokens = tokens

    def _credential(self, access: str) -> dict[str, Any]:
        """The EC2 credential of ``access``; one that does not exist is the same 404 whatever
        the reason, so the answer tells nothing about which keys exist."""
        try:
            row = self.creds.get(ec2_credential_id(access))
        except NotFound:
            raise NotFound("EC2 access key not found.") from None
        if row.type != EC2:
            raise NotFound("EC2 access key not found.")
        blob = self.creds.ec2_blob(row)
        if not isinstance(blob.get("secret"), str):
            raise NotFound("EC2 access key not found.")
        return {"user_id": row.user_id, "project_id": row.project_id, **blob}

    def ec2(self, body: Mapping[str, Any]) -> Issued:
        """Check an EC2 request's signature (``POST /v3/ec2tokens``) and issue a token."""
        creds = _credentials(body)
        cred = self._credential(creds["access"])
        given = str(creds.get("signature") or "")
        if not given:
            raise Unauthorized("EC2 signature not supplied.")
        if not awssig.same(given, ec2_signature(cred["secret"], creds)):
            host = str(creds.get("host", ""))
            # Some clients sign the host without its port: Keystone tries that too.
            hostname = urlsplit(f"//{host}").hostname if ":" in host else None
            if not hostname or not awssig.same(
                    given, ec2_signature(cred["secret"], {**creds, "host": hostname})):
                raise Unauthorized("Invalid EC2 signature.")
        check_timestamp(creds)
        return self._issue(cred)

    def s3(self, body: Mapping[str, Any]) -> Issued:
        """Check an S3 string to sign's signature (``POST /v3/s3tokens``) and issue a token."""
        creds = _credentials(body)
        cred = self._credential(creds["access"])
        try:
            to_sign = base64.urlsafe_b64decode(str(creds.get("token", "")).encode())
        except (binascii.Error, ValueError):
            raise Unauthorized("Credential signature mismatch.") from None
        try:
            expected = awssig.sign_string(cred["secret"], to_sign)
        except awssig.SignatureError:
            raise Unauthorized("Invalid EC2 signature.") from None
        if not awssig.same(str(creds.get("signature") or ""), expected):
            raise Unauthorized("Credential signature mismatch.")
        check_timestamp(creds)
        return self._issue(cred)

    def _issue(self, cred: Mapping[str, Any]) -> Issued:
        try:
            user = self.users.get_user(cred["user_id"])
            project = self.resource.get_project(cred["project_id"])
        except NotFound:
            raise Unauthorized("The credential's user or project no longer exists.") from None
        if not user.enabled or not project.enabled:
            raise Unauthorized("The credential's user or project is disabled.")
        try:
            return self.tokens.issue(user, [METHOD], "project", project.id,
                                     app_cred_id=cred.get("app_cred_id"),
                                     trust_id=cred.get("trust_id"))
        except NotFound:
            raise Unauthorized("User not valid for project.") from None
