"""Identity (Keystone v3): how the service plugs into the cloud."""

from __future__ import annotations

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef
from nimbus.core.platform import Platform
from nimbus.identity.api import validation_front
from nimbus.identity.manager.bootstrap import Wanted
from nimbus.identity.policies import RULES
from nimbus.identity.state import IdentityState, build


def _api() -> list[Router]:
    from nimbus.identity.api import (
        access_rules,
        app_creds,
        auth,
        credentials,
        discovery,
        domain_config,
        domains,
        ec2tokens,
        endpoint_filter,
        endpoints,
        federation,
        federation_auth,
        grants,
        groups,
        limits,
        oauth,
        policy_blobs,
        project_tags,
        projects,
        regions,
        revoke,
        role_assignments,
        roles,
        services,
        tokens,
        trusts,
        users,
    )

    return [module.router for module in (
        discovery, tokens, auth, domain_config, domains, projects, project_tags, users, groups,
        roles, role_assignments, regions, services, endpoints, app_creds, federation,
        federation_auth, trusts, credentials, access_rules, oauth, limits, revoke,
        endpoint_filter, policy_blobs, grants, ec2tokens)]


router = Router(gather=_api)

def bootstrap(platform: Platform, state: IdentityState) -> None:
    """First-start data, and the ids other services' bootstraps need."""
    settings = platform.settings
    facts = state.bootstrap.run(Wanted(secrets=platform.secrets, region=settings.region,
                                       database_url=settings.database_url,
                                       endpoints=platform.endpoints))
    platform.facts.projects, platform.facts.roles = facts.projects, facts.roles
    platform.facts.users, platform.facts.domain = facts.users, facts.domain


SERVICE = ServiceDef[IdentityState](
    name="identity",
    service_type="identity",
    prefix="/identity",
    endpoint_path="/v3",
    fault_style="keystone",
    router=router,
    policy=RULES,
    start=build,
    bootstrap=bootstrap,
    front=validation_front.front,
)
