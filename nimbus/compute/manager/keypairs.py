"""Keypairs: generation, import, fingerprints, one name per user."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from nimbus.compute.db import keypairs as db
from nimbus.compute.db.models import KeyPair
from nimbus.compute.errors import keypair_not_found
from nimbus.core.db.engine import Database
from nimbus.core.db.paging import Page, PageQuery
from nimbus.core.errors import BadRequest, NotFound

__all__ = ["KeyPair", "KeypairManager", "generate", "generate_x509", "ssh_fingerprint", "x509_fingerprint"]

SSH_PREFIXES = ("ssh-rsa", "ssh-ed25519", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
                "sk-ecdsa-sha2-nistp256@openssh.com")


def generate() -> tuple[str, str]:
    """A new RSA key: (OpenSSH public key, PEM private key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return public + " Generated-by-Nimbus", private


def generate_x509(user_id: str) -> tuple[str, str]:
    """A new self-signed certificate for ``user_id``: (PEM certificate, PEM private key).

    Nova's x509 keypairs are what Windows guests use to hand back their admin password; the
    certificate names the user and lasts ten years, as Nova's do.
    """
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id or "nimbus")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), private


def ssh_fingerprint(public_key: str) -> str:
    """The MD5 colon fingerprint of an OpenSSH public key; 400 when it does not parse."""
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in SSH_PREFIXES:
        raise BadRequest("Keypair data is invalid: failed to generate fingerprint")
    try:
        serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
        blob = base64.b64decode(parts[1], validate=True)
    except (ValueError, TypeError, Exception):
        raise BadRequest("Keypair data is invalid: failed to generate fingerprint") from None
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def x509_fingerprint(public_key: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    try:
        cert = x509.load_pem_x509_certificate(public_key.encode())
    except ValueError:
        raise BadRequest("Keypair data is invalid: failed to generate fingerprint") from None
    digest = cert.fingerprint(hashes.SHA1()).hex()  # noqa: S303 - the fingerprint format Nova uses
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


class KeypairManager:
    def __init__(self, db: Database, max_limit: int) -> None:
        self.db = db
        self.max_limit = max_limit

    def page(self, user_id: str, query: PageQuery | None = None) -> Page[KeyPair]:
        """The user's keypairs by name: one page of them, or (no ``query``) all."""
        if query is None:
            return db.page_keypairs(self.db, user_id, PageQuery(), None)
        return db.page_keypairs(self.db, user_id, query, self.max_limit)

    def get(self, user_id: str, name: str) -> KeyPair:
        row = db.find_keypair(self.db, user_id, name)
        if row is None:
            raise keypair_not_found(user_id, name)
        return row

    def create(self, user_id: str, name: str, key_type: str,
               public_key: str | None) -> tuple[KeyPair, str | None]:
        """Import ``public_key`` or generate one; the private key is returned only then."""
        private: str | None = None
        if public_key is None:
            public_key, private = generate_x509(user_id) if key_type == "x509" else generate()
        fingerprint = (x509_fingerprint(public_key) if key_type == "x509"
                       else ssh_fingerprint(public_key))
        row = db.create_keypair(self.db, {"user_id": user_id, "name": name,
                                          "fingerprint": fingerprint,
                                          "public_key": public_key.strip(), "type": key_type})
        return row, private

    def delete(self, user_id: str, name: str) -> None:
        db.delete_keypair(self.db, user_id, name)

    def for_server(self, user_id: str, name: str) -> dict[str, Any]:
        """The key a new server gets; 400 (not 404) when it does not exist, as Nova answers."""
        try:
            row = self.get(user_id, name)
        except NotFound:
            raise BadRequest("Invalid key_name provided.") from None
        return {"name": row.name, "public_key": row.public_key, "type": row.type}
