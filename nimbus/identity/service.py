"""Identity (Keystone v3): how the service plugs into the cloud."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.core.api.routing import Router
from nimbus.core.api.service import ServiceDef
from nimbus.identity import bootstrap as boot
from nimbus.identity.api import (
    access_rules,
    app_creds,
    assignments,
    auth,
    catalog,
    credentials,
    discovery,
    domain_config,
    endpoint_filter,
    federation,
    federation_auth,
    grants,
    limits,
    oauth,
    policy_blobs,
    resources,
    revoke,
    roles,
    trusts,
    users,
)
from nimbus.identity.policies import RULES

if TYPE_CHECKING:
    from nimbus.core.platform import Platform

router = Router()
for module in (discovery, auth, domain_config, resources, users, roles, assignments, catalog,
               app_creds, federation, federation_auth, trusts, credentials, access_rules, oauth,
               limits, revoke, endpoint_filter, policy_blobs, grants):
    router.include(module.router)


def _start(cloud: Platform) -> Any:
    from nimbus.identity.manager import IdentityState

    state = IdentityState(cloud)
    cloud.auth.use_local(state.validate_for_services)
    return state


SERVICE = ServiceDef(
    name="identity",
    service_type="identity",
    prefix="/identity",
    endpoint_path="/v3",
    fault_style="keystone",
    router=router,
    policy=RULES,
    start=_start,
    bootstrap=lambda cloud, state: boot.bootstrap(cloud, state),
)
