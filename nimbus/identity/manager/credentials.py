"""Credentials (``/v3/credentials``): opaque blobs a user keeps, encrypted at rest.

The blob is encrypted with a Fernet key repository of its own (``credential-keys`` in the state
directory), so a copy of the database alone gives away no EC2 secret or TOTP seed. EC2
credentials are keyed by the SHA-256 of their access key, as Keystone does, so that a signature
request finds its credential without scanning.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.fernet import InvalidToken

from nimbus.core.db.base import new_hex_id
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import BadRequest, Conflict, NotFound
from nimbus.identity.constants import EC2
from nimbus.identity.db import credentials as q
from nimbus.identity.db.models import Credential
from nimbus.identity.manager.fernet import KeyRepository


def ec2_credential_id(access: str) -> str:
    return hashlib.sha256(access.encode()).hexdigest()


def ec2_access(blob: str) -> str:
    """The ``access`` key of an EC2 blob; a 400 naming ``blob`` if it has none."""
    try:
        parsed = json.loads(blob)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("access"), str) or not parsed[
            "access"]:
        raise BadRequest("Invalid input for field 'blob': an ec2 credential's blob must be a "
                         "JSON object with an 'access' key.")
    return str(parsed["access"])


class CredentialManager:
    def __init__(self, db: Database, keys: KeyRepository) -> None:
        self.db = db
        self.keys = keys
        self.keys.initialise()

    # -- encryption -------------------------------------------------------------------------
    def _seal(self, blob: str) -> str:
        return self.keys.fernet().encrypt(blob.encode()).decode()

    def unseal(self, row: Credential) -> str:
        try:
            return self.keys.fernet().decrypt(row.blob.encode()).decode()
        except InvalidToken:
            # A key rotated out from under the row: the blob is lost, never a 500.
            return ""

    # -- CRUD -------------------------------------------------------------------------------
    @retry_on_lock()
    def create(self, user_id: str, type_: str, blob: str, project_id: str | None = None,
               cred_id: str | None = None) -> Credential:
        if type_ == EC2:
            if not project_id:
                raise BadRequest("Invalid input for field 'project_id': it is required for "
                                 "ec2 credentials.")
            wanted = ec2_credential_id(ec2_access(blob))
            if cred_id and cred_id != wanted:
                raise BadRequest("Invalid input for field 'id': the credential id does not "
                                 "match the hash of its access key.")
            cred_id = wanted
        with self.db.writer() as s:
            if cred_id and s.get(Credential, cred_id) is not None:
                raise Conflict(resource="credential",
                               reason=f"Duplicate ID, {cred_id}.")
            row = Credential(id=cred_id or new_hex_id(), user_id=user_id, project_id=project_id,
                             type=type_, blob=self._seal(blob), extra={})
            s.add(row)
        return row

    def get(self, cred_id: str) -> Credential:
        with self.db.reader() as s:
            row = s.get(Credential, cred_id)
        if row is None:
            raise NotFound(resource="credential", id=cred_id)
        return row

    def list(self, user_id: str | None = None, type_: str | None = None) -> list[Credential]:
        with self.db.reader() as s:
            return q.list_credentials(s, user_id, type_)

    @retry_on_lock()
    def update(self, cred_id: str, changes: dict[str, Any]) -> Credential:
        with self.db.writer() as s:
            row = s.get(Credential, cred_id)
            if row is None:
                raise NotFound(resource="credential", id=cred_id)
            new_type = changes.get("type", row.type)
            blob = changes["blob"] if "blob" in changes else self.unseal(row)
            project_id = changes.get("project_id", row.project_id)
            if new_type == EC2:
                if not project_id:
                    raise BadRequest("Invalid input for field 'project_id': it is required for "
                                     "ec2 credentials.")
                # The id keeps the hash of the first access key (Keystone lets it change).
                ec2_access(blob)
            row.type = new_type
            row.project_id = project_id
            if "user_id" in changes:
                row.user_id = changes["user_id"]
            if "blob" in changes:
                row.blob = self._seal(blob)
        return row

    @retry_on_lock()
    def delete(self, cred_id: str) -> None:
        with self.db.writer() as s:
            row = s.get(Credential, cred_id)
            if row is None:
                raise NotFound(resource="credential", id=cred_id)
            s.delete(row)

    @retry_on_lock()
    def delete_for_user(self, user_id: str) -> None:
        with self.db.writer() as s:
            q.delete_credentials_of(s, user_id)

    # -- EC2 ---
    def find_ec2(self, user_id: str, access: str) -> Credential | None:
        """A user's EC2 credential by access key: by its hash first, then by content."""
        with self.db.reader() as s:
            row = s.get(Credential, ec2_credential_id(access))
        if row is not None and row.type == EC2 and row.user_id == user_id:
            return row
        for cand in self.list(user_id, EC2):
            if self.ec2_blob(cand).get("access") == access:
                return cand
        return None

    # -- EC2 (views) --------------------------------------------------------------------------------
    def ec2_blob(self, row: Credential) -> dict[str, Any]:
        try:
            parsed = json.loads(self.unseal(row))
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
