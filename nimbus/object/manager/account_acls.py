"""Account ACLs (``X-Account-Access-Control``): whom an account's owners let in, and how far.

The header is Swift's version-2 ACL, a JSON object with up to three lists: ``read-only``
(list and read everything), ``read-write`` (also write containers and objects) and ``admin``
(everything the owners may do, the privileged headers included). Entries name callers as
container ACLs do (``<project>:<user>``, ids or names, ``*`` for any). The ACL is kept in the
account's system metadata, out of its user metadata.
"""

from __future__ import annotations

import json
from enum import IntEnum

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.object.db import accounts
from nimbus.object.manager.accounts import AccountManager
from nimbus.object.manager.acls import Caller, grants

SYSMETA_KEY = "core-access-control"


class Level(IntEnum):
    READ_ONLY = 1
    READ_WRITE = 2
    ADMIN = 3


LEVELS = {"read-only": Level.READ_ONLY, "read-write": Level.READ_WRITE, "admin": Level.ADMIN}
# What each policy action needs of an ACL; an action not named needs an owner (admin).
NEEDED = {
    "object:account:get": Level.READ_ONLY,
    "object:container:get": Level.READ_ONLY,
    "object:object:get": Level.READ_ONLY,
    "object:container:put": Level.READ_WRITE,
    "object:container:post": Level.READ_WRITE,
    "object:container:delete": Level.READ_WRITE,
    "object:object:put": Level.READ_WRITE,
    "object:object:post": Level.READ_WRITE,
    "object:object:delete": Level.READ_WRITE,
    "object:object:copy": Level.READ_WRITE,
}


class AclInvalid(ValueError):
    """Why a header value is not an ACL, in Swift's words."""


def parse(value: str) -> dict[str, list[str]]:
    """The ACL a header sets ({} removes it); ``AclInvalid`` says what is wrong."""
    if value.strip() == "":
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise AclInvalid(f"Syntax error in input ({value!r})")
    for key, members in data.items():
        if key not in LEVELS:
            raise AclInvalid(f"Key {json.dumps(key)} not recognized")
        if not isinstance(members, list):
            raise AclInvalid(f"Value for key {json.dumps(key)} must be a list")
        if not all(isinstance(member, str) for member in members):
            raise AclInvalid(f"Elements of {json.dumps(key)} list must be strings")
    return {key: list(members) for key, members in data.items() if members}


def render(acl: dict[str, list[str]]) -> str:
    """The header's value, as Swift writes it: compact, sorted, ASCII."""
    return json.dumps(acl, ensure_ascii=True, separators=(",", ":"), sort_keys=True)


class AccountAcls:
    def __init__(self, db: Database, accounts_: AccountManager) -> None:
        self.db = db
        self.accounts = accounts_

    def get(self, account: str) -> dict[str, list[str]]:
        with self.db.reader() as txn:
            row = accounts.find(txn, account)
            stored = None if row is None else (row.sysmeta or {}).get(SYSMETA_KEY)
        try:
            return parse(stored) if isinstance(stored, str) else {}
        except AclInvalid:
            return {}

    @retry_on_lock()
    def set(self, account: str, acl: dict[str, list[str]]) -> None:
        with self.db.writer() as txn:
            row = self.accounts.ensure(txn, account)
            sysmeta = dict(row.sysmeta or {})
            if acl:
                sysmeta[SYSMETA_KEY] = render(acl)
            else:
                sysmeta.pop(SYSMETA_KEY, None)
            row.sysmeta = sysmeta

    def level(self, account: str, caller: Caller) -> Level | None:
        """The most the account's ACL gives ``caller``; None when it names them nowhere."""
        if caller.user_id is None:
            return None
        acl = self.get(account)
        best: Level | None = None
        for key, members in acl.items():
            # Referrer designations belong to container ACLs; here they grant nothing.
            named = [m for m in members if not m.startswith(".")]
            if grants(",".join(named), caller, listing=False) and \
                    (best is None or LEVELS[key] > best):
                best = LEVELS[key]
        return best
