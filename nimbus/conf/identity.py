"""Identity settings: tokens, password hashing, security compliance and federation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SecurityCompliance:
    """Keystone's ``[security_compliance]`` group."""

    lockout_failure_attempts: int = 2
    lockout_duration: int = 5
    unique_last_password_count: int = 2
    minimum_password_age_days: int = 0
    password_expires_days: int = 0
    password_regex: str = ""
    password_regex_description: str = ""
    change_password_upon_first_use: bool = False


@dataclass
class Federation:
    """Where federated assertions come from and which front-ends are trusted.

    ``openid`` maps ``<idp>`` or ``<idp>/<protocol>`` to ``{jwks | jwks_url, audience, issuer}``.
    """

    assertion_prefix: str = ""
    remote_id_attribute: str = ""
    trusted_dashboard: list[str] = field(default_factory=list)
    openid: dict[str, Any] = field(default_factory=dict)


@dataclass
class IdentitySettings:
    token_expiration: int = 3600
    # scrypt cost (log2 N) for stored passwords and secrets.
    kdf_cost: int = 14
    # Seconds a password (or application credential secret) proven right is recognised again
    # without the KDF: a client signing in again and again (a CI job, a service) pays it once.
    # Only a keyed digest is kept, under a key this process draws at start; a wrong password
    # always pays the KDF and counts towards lockout. 0 turns it off.
    password_cache_seconds: int = 300
    # Keystone's ``[DEFAULT] max_db_limit``: the most rows one page of a list may hold.
    max_db_limit: int = 1000
    security_compliance: SecurityCompliance = field(default_factory=SecurityCompliance)
    federation: Federation = field(default_factory=Federation)
