"""The keys of encrypted volumes: what Cinder asks its key manager for.

Each encrypted volume and each snapshot of one has its own key, made of 32 random bytes (a
256-bit passphrase for the volume's LUKS header). A copy of a volume (clone, snapshot, volume
from a snapshot) gets a copy of its source's key under a new id, as Cinder clones keys, so that
the copy's data, byte for byte the source's, opens with it and deleting either key leaves the
other. Keys are stored wrapped with the cloud's key-encryption key (Fernet), which lives in the
state dir and never in the database; the API hands a key out only to the compute service.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database
from nimbus.volume.db import keys as db_keys
from nimbus.volume.errors import KeyUnavailable

KEY_BYTES = 32


class KeyStore:
    def __init__(self, directory: Path, database: Database) -> None:
        self.directory = directory
        self.db = database
        self._fernet: Fernet | None = None

    def _kek(self) -> Fernet:
        if self._fernet is None:
            path = self.directory / "kek"
            if not path.exists():
                self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                try:
                    # Exclusive: two processes starting at once agree on one key.
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(Fernet.generate_key())
                except FileExistsError:
                    pass
            self._fernet = Fernet(path.read_bytes().strip())
        return self._fernet

    def create(self, s: Session, project_id: str, material: bytes | None = None) -> str:
        """A new key (random, or a copy of ``material``) for ``project_id``; its id."""
        key = material if material is not None else secrets.token_bytes(KEY_BYTES)
        return db_keys.insert(s, project_id, self._kek().encrypt(key).decode()).id

    def clone(self, s: Session, key_id: str, project_id: str) -> str:
        return self.create(s, project_id, self.material(s, key_id))

    def material(self, s: Session, key_id: str) -> bytes:
        row = db_keys.find(s, key_id)
        if row is None:
            raise KeyUnavailable(key_id=key_id)
        try:
            return self._kek().decrypt(row.wrapped.encode())
        except InvalidToken:
            raise KeyUnavailable(key_id=key_id) from None

    def passphrase(self, key_id: str) -> str:
        """The key as a LUKS passphrase: hex text."""
        with self.db.reader() as s:
            return self.material(s, key_id).hex()
