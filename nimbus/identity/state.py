"""The identity service's state in one process: its managers, wired to one another at start-up.

Each manager takes the collaborators it uses; ``build`` is the one place that knows them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nimbus.conf.identity import Federation
from nimbus.core.platform import Platform
from nimbus.identity.db.write_generation import WriteGeneration
from nimbus.identity.manager.access_rules import AccessRuleManager
from nimbus.identity.manager.app_creds import AppCredManager
from nimbus.identity.manager.assignment import AssignmentManager
from nimbus.identity.manager.auth import AuthDeps, Authenticator
from nimbus.identity.manager.auth_methods.application_credential import ApplicationCredential
from nimbus.identity.manager.auth_methods.base import AuthMethod
from nimbus.identity.manager.auth_methods.mapped import Mapped, Saml2
from nimbus.identity.manager.auth_methods.openid import OpenId
from nimbus.identity.manager.auth_methods.password import Password
from nimbus.identity.manager.auth_methods.refs import References
from nimbus.identity.manager.auth_methods.token import Token
from nimbus.identity.manager.auth_methods.totp import Totp
from nimbus.identity.manager.bootstrap import Bootstrap
from nimbus.identity.manager.catalog import CatalogManager
from nimbus.identity.manager.catalog_extras import CatalogExtrasManager
from nimbus.identity.manager.credentials import CredentialManager
from nimbus.identity.manager.domain_config import DomainConfigManager
from nimbus.identity.manager.domain_drivers import DomainDrivers
from nimbus.identity.manager.domain_users import DomainUserManager
from nimbus.identity.manager.federation.login import FederatedLogin
from nimbus.identity.manager.federation.providers import FederationManager
from nimbus.identity.manager.fernet import KeyRepository
from nimbus.identity.manager.id_mapping import IdMappingManager
from nimbus.identity.manager.limits import LimitManager
from nimbus.identity.manager.oauth import ConsumerManager
from nimbus.identity.manager.receipts import Receipts
from nimbus.identity.manager.resource import ResourceManager
from nimbus.identity.manager.revocations import RevocationManager
from nimbus.identity.manager.role_assignments import RoleAssignmentManager
from nimbus.identity.manager.token_cache import RenderCache
from nimbus.identity.manager.tokens import TokenManager, TokenSources
from nimbus.identity.manager.trusts import TrustManager


@dataclass
class IdentityState:
    """What the identity API and bootstrap use: the managers, and the settings they read."""

    keys: KeyRepository
    resource: ResourceManager
    users: DomainUserManager
    assignment: AssignmentManager
    role_assignments: RoleAssignmentManager
    catalog: CatalogManager
    catalog_extras: CatalogExtrasManager
    app_creds: AppCredManager
    access_rules: AccessRuleManager
    creds: CredentialManager
    consumers: ConsumerManager
    federation: FederationManager
    trusts: TrustManager
    domain_configs: DomainConfigManager
    limits: LimitManager
    revocations: RevocationManager
    tokens: TokenManager
    receipts: Receipts
    auth: Authenticator
    bootstrap: Bootstrap
    # What the federation sign-in URLs read (trusted dashboards, the remote-id attribute).
    federation_settings: Federation
    # Keystone's ``max_db_limit``: the longest page a list gives.
    max_db_limit: int
    # The cloud's own dashboard's WebSSO address: trusted beside ``trusted_dashboard``.
    own_dashboard: str
    # Drops every token validation cached in this process (after a role or grant change).
    invalidate_tokens: Callable[[], None]
    backend_summary: str = "tokens: fernet; identity: sql"

    def validate_for_services(self, token: str) -> dict[str, Any]:
        """What every other service's token check calls in this process."""
        return self.tokens.validate(token)

    def on_revocation(self) -> None:
        self.invalidate_tokens()

    def rotate_keys(self) -> None:
        self.keys.rotate()


def build(platform: Platform) -> IdentityState:
    settings = platform.settings
    conf = settings.identity
    db = platform.db
    keys = KeyRepository(settings.state_dir / "fernet-keys")
    keys.initialise()
    resource = ResourceManager(db)
    domain_configs = DomainConfigManager(db)
    # Per-domain identity drivers (SQL, or LDAP for a domain configured so).
    backends = DomainDrivers(lambda domain_id: resource.get_domain(domain_id).name,
                             settings.state_dir / "domains", domain_configs.effective_if_set)
    users = DomainUserManager(db, conf.security_compliance, conf.kdf_cost,
                              IdMappingManager(db), backends,
                              password_cache_seconds=conf.password_cache_seconds)
    domain_configs.listeners.append(users.domain_config_changed)
    assignment = AssignmentManager(db)
    catalog_extras = CatalogExtrasManager(db)
    catalog = CatalogManager(db, catalog_extras)
    app_creds = AppCredManager(db, conf.kdf_cost, conf.password_cache_seconds)
    creds = CredentialManager(db, KeyRepository(settings.state_dir / "credential-keys"))
    federation = FederationManager(db, resource)
    trusts = TrustManager(db, users, resource, assignment)
    generation = WriteGeneration(db.engine, shared=settings.state_dir / "identity.generation")
    revocations = RevocationManager(db, generation, platform.auth.invalidate)
    tokens = TokenManager(keys, conf.token_expiration,
                          RenderCache(generation, settings.token_cache_seconds), revocations,
                          TokenSources(users, resource, assignment, app_creds, trusts, catalog,
                                       federation))
    receipts = Receipts(keys, resource)
    refs = References(users, resource)
    login = FederatedLogin(db, federation, resource, users, assignment)
    methods: list[AuthMethod] = [
        Password(refs, users, resource), Token(tokens, users), Totp(refs, creds),
        ApplicationCredential(refs, app_creds, users),
        Mapped(login, federation, conf.federation), Saml2(login, federation, conf.federation),
        OpenId(login, conf.federation),
    ]
    auth = Authenticator({m.name: m for m in methods},
                         AuthDeps(refs, receipts, resource, users, assignment, trusts, tokens))
    state = IdentityState(
        keys=keys, resource=resource, users=users, assignment=assignment,
        role_assignments=RoleAssignmentManager(db, assignment), catalog=catalog,
        catalog_extras=catalog_extras, app_creds=app_creds, access_rules=AccessRuleManager(db),
        creds=creds, consumers=ConsumerManager(db, conf.kdf_cost), federation=federation,
        trusts=trusts, domain_configs=domain_configs,
        limits=LimitManager(db, catalog, resource), revocations=revocations, tokens=tokens,
        receipts=receipts, auth=auth,
        bootstrap=Bootstrap(resource, assignment, users, catalog,
                            settings.state_dir / ".identity-bootstrap"),
        federation_settings=conf.federation, max_db_limit=conf.max_db_limit,
        own_dashboard=f"{settings.public_url}/dashboard/auth/websso/",
        invalidate_tokens=platform.auth.invalidate)
    # Services in this process check tokens here directly, not through the API.
    platform.auth.use_local(state.validate_for_services)
    return state
