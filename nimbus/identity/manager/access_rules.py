"""Access rules: the (service, path, method) triples an application credential is limited to.

A user's rules are shared by their application credentials (the same triple is one rule), and a
rule can be deleted only once no credential uses it, as in Keystone.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, Forbidden, NotFound
from nimbus.identity.db import credentials as q
from nimbus.identity.db.models import AccessRule

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def rule_view(r: AccessRule) -> dict[str, Any]:
    return {"id": r.id, "service": r.service, "path": r.path, "method": r.method}


class AccessRuleManager:
    def __init__(self, db: Database) -> None:
        self.db = db

    @retry_on_lock()
    def resolve(self, user_id: str, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each requested rule as a stored one (made if new); ``{"id": ...}`` names an old one."""
        out: list[dict[str, Any]] = []
        with self.db.writer() as s:
            for i, ref in enumerate(rules):
                if set(ref) == {"id"}:
                    row = s.get(AccessRule, str(ref["id"]))
                    if row is None or row.user_id != user_id:
                        raise NotFound(resource="access rule", id=str(ref["id"]))
                    out.append(rule_view(row))
                    continue
                service, path, method = (ref.get("service"), ref.get("path"), ref.get("method"))
                for name, value in (("service", service), ("path", path), ("method", method)):
                    if not isinstance(value, str) or not value:
                        raise BadRequest(f"Invalid input for field 'access_rules.{i}.{name}': "
                                         f"it is required.")
                assert isinstance(method, str) and isinstance(service, str)
                if method.upper() not in METHODS:
                    raise BadRequest(f"Invalid input for field 'access_rules.{i}.method': "
                                     f"'{method}' is not one of {list(METHODS)}.")
                row = q.find_access_rule(s, user_id, service, str(path), method.upper())
                if row is None:
                    row = AccessRule(user_id=user_id, service=service, path=str(path),
                                     method=method.upper())
                    if ref.get("id"):
                        row.id = str(ref["id"])
                    s.add(row)
                    s.flush()
                out.append(rule_view(row))
        return out

    def list(self, user_id: str, filters: dict[str, str] | None = None) -> list[AccessRule]:
        with self.db.reader() as s:
            return q.list_access_rules(s, user_id, filters)

    def get(self, user_id: str, rule_id: str) -> AccessRule:
        with self.db.reader() as s:
            row = s.get(AccessRule, rule_id)
        if row is None or row.user_id != user_id:
            raise NotFound(resource="access rule", id=rule_id)
        return row

    @retry_on_lock()
    def delete(self, user_id: str, rule_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(AccessRule, rule_id)
            if row is None or row.user_id != user_id:
                raise NotFound(resource="access rule", id=rule_id)
            creds = q.list_app_creds(s, user_id)
            if any(rule_id in {r.get("id") for r in (c.access_rules or [])} for c in creds):
                raise Forbidden(f"Access rule {rule_id} is in use by an application "
                                f"credential.")
            s.delete(row)

    @retry_on_lock()
    def delete_for_user(self, user_id: str) -> None:
        with self.db.writer() as s:
            q.delete_access_rules_of(s, user_id)
