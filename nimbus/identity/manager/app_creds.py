"""Application credentials: a secret that authenticates as a user, on one project, with a
subset of the user's roles."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from nimbus.core.db.base import utcnow
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, Conflict, NotFound
from nimbus.identity.db import credentials as q
from nimbus.identity.db.models import ApplicationCredential
from nimbus.identity.manager.passwords import VerifiedPasswords, hash_password


class AppCredManager:
    def __init__(self, db: Database, kdf_cost: int, password_cache_seconds: float = 0) -> None:
        self.db = db
        self.kdf_cost = kdf_cost
        self.verified = VerifiedPasswords(password_cache_seconds)

    @retry_on_lock()
    def create(self, user_id: str, project_id: str, name: str, roles: list[dict[str, str]],
               secret: str | None = None, description: str | None = None,
               expires_at: dt.datetime | None = None, unrestricted: bool = False,
               access_rules: list[dict[str, Any]] | None = None) -> tuple[ApplicationCredential, str]:
        if not name:
            raise BadRequest("Invalid input for field 'name': it is required.")
        if expires_at is not None and expires_at <= utcnow():
            raise BadRequest("Invalid input for field 'expires_at': it is in the past.")
        secret = secret or secrets.token_urlsafe(48)
        with self.db.writer() as s:
            if q.app_cred_by_name(s, user_id, name):
                raise Conflict(resource="application credential",
                               reason=f"Duplicate entry found with name {name}")
            cred = ApplicationCredential(
                user_id=user_id, project_id=project_id, name=name,
                secret_hash=hash_password(secret, self.kdf_cost), description=description,
                expires_at=expires_at, unrestricted=unrestricted, roles=roles,
                access_rules=access_rules or [])
            s.add(cred)
        return cred, secret

    def get(self, cred_id: str, user_id: str | None = None) -> ApplicationCredential:
        with self.db.reader() as s:
            row = s.get(ApplicationCredential, cred_id)
        if row is None or (user_id is not None and row.user_id != user_id):
            raise NotFound(resource="application credential", id=cred_id)
        return row

    def find(self, user_id: str, name: str) -> ApplicationCredential:
        with self.db.reader() as s:
            row = q.app_cred_by_name(s, user_id, name)
        if row is None:
            raise NotFound(resource="application credential", id=name)
        return row

    def list(self, user_id: str, name: str | None = None) -> list[ApplicationCredential]:
        with self.db.reader() as s:
            return q.list_app_creds(s, user_id, name)

    @retry_on_lock()
    def delete(self, cred_id: str, user_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(ApplicationCredential, cred_id)
            if row is None or row.user_id != user_id:
                raise NotFound(resource="application credential", id=cred_id)
            s.delete(row)

    def verify(self, cred: ApplicationCredential, secret: str) -> bool:
        if cred.expires_at is not None and cred.expires_at <= utcnow():
            return False
        return self.verified.check(secret, cred.secret_hash)
