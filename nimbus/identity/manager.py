"""The identity service's state: its managers, key repository and token validator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.identity.fernet import KeyRepository
from nimbus.identity.managers.app_creds import AppCredManager
from nimbus.identity.managers.assignment import AssignmentManager
from nimbus.identity.managers.auth import Authenticator
from nimbus.identity.managers.catalog import CatalogManager
from nimbus.identity.managers.resource import ResourceManager
from nimbus.identity.managers.tokens import TokenManager
from nimbus.identity.managers.users import UserManager

if TYPE_CHECKING:
    from nimbus.core.cloud import Cloud


class IdentityState:
    def __init__(self, cloud: Cloud) -> None:
        settings = cloud.settings
        self.cloud = cloud
        self.keys = KeyRepository(settings.state_dir / "fernet-keys")
        self.keys.initialise()
        self.resource = ResourceManager(cloud.db)
        self.users = UserManager(cloud.db, settings.security_compliance, settings.kdf_cost)
        self.assignment = AssignmentManager(cloud.db)
        self.catalog = CatalogManager(cloud.db)
        self.app_creds = AppCredManager(cloud.db, settings.kdf_cost)
        self.tokens = TokenManager(cloud.db, self.keys, self, settings.token_expiration)
        self.auth = Authenticator(self)
        self.backend_summary = "tokens: fernet; identity: sql"

    def validate_for_services(self, token: str) -> dict[str, Any]:
        """What every other service's token check calls in this process."""
        return self.tokens.validate(token)

    def on_revocation(self) -> None:
        self.cloud.auth.invalidate()

    def rotate_keys(self) -> None:
        self.keys.rotate()
