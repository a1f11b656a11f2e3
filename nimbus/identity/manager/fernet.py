"""Fernet tokens: a msgpack payload, encrypted and signed, never stored.

The key repository is Keystone's: ``0`` is the staged key, the highest number is the primary that
signs, the rest are secondaries that still validate. Rotation promotes the staged key, so every
process that has it can validate new tokens before they are issued.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from nimbus.core.errors import NotFound

PAYLOAD_VERSION = 1


@dataclass
class TokenPayload:
    user_id: str
    methods: list[str]
    expires_at: dt.datetime
    audit_ids: list[str]
    scope: str = "unscoped"  # project | domain | system | unscoped
    scope_id: str | None = None
    app_cred_id: str | None = None
    trust_id: str | None = None
    issued_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(
        tzinfo=None))
    # OS-FEDERATION: {"idp", "protocol", "groups": [group ids the mapping gave]}.
    federation: dict[str, Any] | None = None


def new_audit_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


class KeyRepository:
    def __init__(self, directory: Path, max_active_keys: int = 4) -> None:
        self.directory = directory
        self.max_active_keys = max_active_keys
        self._cache: tuple[float, MultiFernet] | None = None

    def initialise(self) -> None:
        if self._keys():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        self._write(0, Fernet.generate_key())
        self._write(1, Fernet.generate_key())

    def _write(self, index: int, key: bytes) -> None:
        path = self.directory / str(index)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        tmp.replace(path)

    def _keys(self) -> dict[int, bytes]:
        if not self.directory.is_dir():
            return {}
        keys = {}
        for entry in self.directory.iterdir():
            if entry.name.isdigit():
                keys[int(entry.name)] = entry.read_bytes().strip()
        return keys

    def rotate(self) -> None:
        """Staged becomes primary, a new staged key is made, the oldest secondaries go."""
        keys = self._keys()
        if not keys:
            self.initialise()
            return
        new_primary = max(keys) + 1
        (self.directory / "0").rename(self.directory / str(new_primary))
        self._write(0, Fernet.generate_key())
        keys = self._keys()
        secondaries = sorted(k for k in keys if k not in (0, new_primary))
        while len(keys) > self.max_active_keys and secondaries:
            oldest = secondaries.pop(0)
            (self.directory / str(oldest)).unlink()
            keys.pop(oldest)
        self._cache = None

    def fernet(self) -> MultiFernet:
        stamp = self.directory.stat().st_mtime if self.directory.exists() else 0.0
        if self._cache is None or self._cache[0] != stamp:
            keys = self._keys()
            # Primary first: it signs; then secondaries, then staged, all of which validate.
            order = sorted((k for k in keys if k != 0), reverse=True) + ([0] if 0 in keys else [])
            self._cache = (stamp, MultiFernet([Fernet(keys[k]) for k in order]))
        return self._cache[1]


def _ts(value: dt.datetime) -> float:
    return value.replace(tzinfo=dt.UTC).timestamp()


def _from_ts(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, dt.UTC).replace(tzinfo=None)


def encode(repo: KeyRepository, payload: TokenPayload) -> str:
    body = [PAYLOAD_VERSION, payload.user_id, payload.methods, _ts(payload.expires_at),
            payload.audit_ids, payload.scope, payload.scope_id, payload.app_cred_id,
            payload.trust_id, _ts(payload.issued_at)]
    if payload.federation:
        # A tagged trailing element: found by its tag, whatever else gets appended.
        fed = payload.federation
        body.append({"fed": [fed["idp"], fed["protocol"], list(fed.get("groups") or [])]})
    token = repo.fernet().encrypt(msgpack.packb(body))
    return token.decode().rstrip("=")


def decode(repo: KeyRepository, token: str) -> TokenPayload:
    """The payload of a well-formed token signed by a key we still hold; NotFound otherwise."""
    padded = token + "=" * (-len(token) % 4)
    try:
        raw = repo.fernet().decrypt(padded.encode())
        body: list[Any] = msgpack.unpackb(raw)
        if body[0] != PAYLOAD_VERSION:
            raise ValueError("unknown payload version")
        return TokenPayload(user_id=body[1], methods=list(body[2]), expires_at=_from_ts(body[3]),
                            audit_ids=list(body[4]), scope=body[5], scope_id=body[6],
                            app_cred_id=body[7], trust_id=body[8], issued_at=_from_ts(body[9]),
                            federation=_federation(body[10:]))
    except (InvalidToken, ValueError, TypeError, IndexError, msgpack.ExtraData,
            msgpack.FormatError, msgpack.StackError, UnicodeEncodeError):
        raise NotFound("Could not recognize Fernet token") from None


def _federation(tail: list[Any]) -> dict[str, Any] | None:
    for item in tail:
        if isinstance(item, dict) and "fed" in item:
            idp, protocol, groups = item["fed"]
            return {"idp": idp, "protocol": protocol, "groups": list(groups)}
    return None
