"""Account and container quotas: the limits a PUT is measured against before its bytes are read.

Container quotas are the container's own metadata (``X-Container-Meta-Quota-Bytes`` and
``-Quota-Count``), set by whoever may write the container. Account quotas are a reseller's
limit on a customer: the legacy ``X-Account-Meta-Quota-Bytes`` lives in the account's
metadata, while ``X-Account-Quota-Bytes`` and ``X-Account-Quota-Count`` are kept out of the
user's sight in the account's system metadata; either bytes limit applies (the system one wins).
"""

from __future__ import annotations

from dataclasses import dataclass

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.object.db import accounts, containers
from nimbus.object.manager.accounts import AccountManager

# System metadata names on the account row.
QUOTA_BYTES = "quota-bytes"
QUOTA_COUNT = "quota-count"


@dataclass(frozen=True)
class Usage:
    """What an account or container holds and the most it may hold (None: no limit)."""

    bytes_used: int
    object_count: int
    max_bytes: int | None
    max_count: int | None

    def exceeded_by(self, size: int | None, count: int) -> bool:
        # As Swift, an upload of unknown length (chunked) is only held to the count.
        if self.max_bytes is not None and size is not None and \
                self.bytes_used + size > self.max_bytes:
            return True
        return self.max_count is not None and self.object_count + count > self.max_count


def _limit(value: object) -> int | None:
    """A stored limit; anything that is not a whole number (set before it was checked) is none."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


class Quotas:
    def __init__(self, db: Database, accounts_: AccountManager) -> None:
        self.db = db
        self.accounts = accounts_

    def usages(self, account: str, container: str) -> list[Usage]:
        """The account's and the container's usage and limits (only those that exist)."""
        found: list[Usage] = []
        with self.db.reader() as tx:
            acct = accounts.find(tx, account)
            if acct is not None:
                sysmeta = dict(acct.sysmeta or {})
                max_bytes = _limit(sysmeta.get(QUOTA_BYTES))
                if max_bytes is None:
                    max_bytes = _limit((acct.meta or {}).get(QUOTA_BYTES))
                max_count = _limit(sysmeta.get(QUOTA_COUNT))
                if max_bytes is not None or max_count is not None:
                    count, objects, used = accounts.usage(tx, acct.id)
                    found.append(Usage(used, objects, max_bytes, max_count))
            cont = containers.find(tx, account, container)
            if cont is not None:
                meta = dict(cont.meta or {})
                found.append(Usage(cont.bytes_used, cont.object_count,
                                   _limit(meta.get(QUOTA_BYTES)), _limit(meta.get(QUOTA_COUNT))))
        return found

    def exceeded(self, account: str, container: str, size: int | None) -> bool:
        """Whether one more object of ``size`` bytes would break a quota."""
        return any(usage.exceeded_by(size, 1) for usage in self.usages(account, container))

    @retry_on_lock()
    def set_account_limits(self, account: str, changes: dict[str, str]) -> None:
        """Apply ``changes`` to the account's limits ("" removes one)."""
        with self.db.writer() as tx:
            row = self.accounts.ensure(tx, account)
            sysmeta = dict(row.sysmeta or {})
            for name, value in changes.items():
                if value == "":
                    sysmeta.pop(name, None)
                else:
                    sysmeta[name] = value
            row.sysmeta = sysmeta
