"""Multi-factor rules and auth receipts.

A user with ``multi_factor_auth_rules`` must authenticate with every method of one rule. When a
request proves only part of a rule, the answer is a 401 carrying a receipt (header
``Openstack-Auth-Receipt``): a short-lived Fernet blob recording who proved what, which the next
request presents instead of repeating the methods already done. A receipt is tagged, so it can
never be mistaken for a token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import msgpack
from cryptography.fernet import InvalidToken

from nimbus.core.errors import NotFound, Unauthorized
from nimbus.identity.db.models import User
from nimbus.identity.errors import RECEIPT_HEADER as HEADER
from nimbus.identity.errors import AuthReceiptRequired
from nimbus.identity.manager.fernet import KeyRepository
from nimbus.identity.manager.resource import ResourceManager

_TAG = "receipt"
LIFETIME = dt.timedelta(minutes=5)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _ts(when: dt.datetime) -> float:
    return when.replace(tzinfo=dt.UTC).timestamp()


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rules_of(user: User, known_methods: set[str]) -> list[list[str]]:
    """The user's MFA rules that apply (Keystone: rules are on unless explicitly disabled)."""
    opts = user.options or {}
    if opts.get("multi_factor_auth_enabled") is False:
        return []
    raw = opts.get("multi_factor_auth_rules") or []
    rules = [[str(m) for m in rule] for rule in raw if isinstance(rule, list) and rule]
    return [rule for rule in rules if set(rule) & known_methods]


class Receipts:
    def __init__(self, keys: KeyRepository, resource: ResourceManager) -> None:
        self.keys = keys
        self.resource = resource

    def issue(self, user_id: str, methods: list[str]) -> tuple[str, dt.datetime, dt.datetime]:
        issued = _now()
        expires = issued + LIFETIME
        raw = msgpack.packb([_TAG, user_id, methods, _ts(expires), _ts(issued)])
        return self.keys.fernet().encrypt(raw).decode().rstrip("="), issued, expires

    def decode(self, receipt: str) -> tuple[str, list[str]]:
        """The user and methods a live receipt records; 401 for anything else."""
        padded = receipt + "=" * (-len(receipt) % 4)
        try:
            body = msgpack.unpackb(self.keys.fernet().decrypt(padded.encode()))
            if not isinstance(body, list) or body[0] != _TAG:
                raise ValueError("not a receipt")
            user_id, methods, expires = str(body[1]), [str(m) for m in body[2]], float(body[3])
        except (InvalidToken, ValueError, TypeError, IndexError, msgpack.ExtraData,
                msgpack.FormatError, msgpack.StackError, UnicodeEncodeError):
            raise Unauthorized("The auth receipt is not valid.") from None
        if expires <= _ts(_now()):
            raise Unauthorized("The auth receipt has expired.")
        return user_id, methods

    def enforce(self, user: User, methods: list[str], known_methods: set[str],
                headers: Mapping[str, str] | None) -> list[str]:
        """All the methods proved (this request's and a receipt's) if they meet a rule.

        Otherwise raise AuthReceiptRequired with a fresh receipt for what has been proved.
        """
        done = list(dict.fromkeys(methods))
        presented = (headers or {}).get(HEADER) or (headers or {}).get(HEADER.lower())
        if presented:
            owner, earlier = self.decode(presented)
            if owner != user.id:
                raise NotFound("The auth receipt belongs to another user.")
            done = list(dict.fromkeys([*earlier, *done]))
        rules = rules_of(user, known_methods)
        if not rules or any(set(rule) & known_methods <= set(done) for rule in rules):
            return done
        receipt, issued, expires = self.issue(user.id, done)
        domain = self.resource.get_domain(user.domain_id)
        body = {"receipt": {"methods": done, "issued_at": _iso(issued),
                            "expires_at": _iso(expires),
                            "user": {"id": user.id, "name": user.name,
                                     "domain": {"id": domain.id, "name": domain.name}}},
                "required_auth_methods": rules}
        raise AuthReceiptRequired(user_id=user.id, methods=f"[{','.join(done)}]",
                                  receipt=receipt, body=body)
