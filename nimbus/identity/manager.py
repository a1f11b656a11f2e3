"""The identity service's state: its managers, key repository and token validator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.identity.fernet import KeyRepository
from nimbus.identity.managers.access_rules import AccessRuleManager
from nimbus.identity.managers.app_creds import AppCredManager
from nimbus.identity.managers.assignment import AssignmentManager
from nimbus.identity.managers.auth import Authenticator
from nimbus.identity.managers.catalog import CatalogManager
from nimbus.identity.managers.catalog_extras import CatalogExtrasManager
from nimbus.identity.managers.credentials import CredentialManager
from nimbus.identity.managers.domain_config import DomainConfigManager
from nimbus.identity.managers.domain_users import DomainUserManager
from nimbus.identity.managers.federation import FederationManager
from nimbus.identity.managers.limits import LimitManager
from nimbus.identity.managers.oauth import ConsumerManager
from nimbus.identity.managers.resource import ResourceManager
from nimbus.identity.managers.tokens import TokenManager
from nimbus.identity.managers.trusts import TrustManager
from nimbus.identity.receipts import Receipts

if TYPE_CHECKING:
    from nimbus.core.platform import Platform


class IdentityState:
    def __init__(self, cloud: Platform) -> None:
        settings = cloud.settings
        self.cloud = cloud
        self.keys = KeyRepository(settings.state_dir / "fernet-keys")
        self.keys.initialise()
        self.resource = ResourceManager(cloud.db)
        # Per-domain identity drivers (SQL, or LDAP for a domain configured so).
        self.users = DomainUserManager(cloud.db, settings.identity.security_compliance,
                                       settings.identity.kdf_cost)
        self.users.attach(self)
        self.assignment = AssignmentManager(cloud.db)
        self.catalog = CatalogManager(cloud.db)
        self.catalog_extras = CatalogExtrasManager(cloud.db)
        self.app_creds = AppCredManager(cloud.db, settings.identity.kdf_cost)
        self.federation = FederationManager(cloud.db, self.resource)
        self.trusts = TrustManager(cloud.db, self)
        self.creds = CredentialManager(cloud.db, KeyRepository(settings.state_dir / "credential-keys"))
        self.access_rules = AccessRuleManager(cloud.db)
        self.consumers = ConsumerManager(cloud.db, settings.identity.kdf_cost)
        self.domain_configs = DomainConfigManager(cloud.db)
        self.domain_configs.listeners.append(self.users.domain_config_changed)
        self.limits = LimitManager(cloud.db, self)
        self.receipts = Receipts(self, self.keys)
        self.tokens = TokenManager(cloud.db, self.keys, self, settings.identity.token_expiration)
        self.auth = Authenticator(self)
        self.backend_summary = "tokens: fernet; identity: sql"

    def validate_for_services(self, token: str) -> dict[str, Any]:
        """What every other service's token check calls in this process."""
        return self.tokens.validate(token)

    def on_revocation(self) -> None:
        self.cloud.auth.invalidate()

    def rotate_keys(self) -> None:
        self.keys.rotate()
