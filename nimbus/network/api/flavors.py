"""/v2.0/flavors and /v2.0/service_profiles: Neutron's ``flavors`` (admins make them; everyone
reads flavors, only admins read profiles)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Reply, Router
from nimbus.network.api import attributes as shape
from nimbus.network.api import listing
from nimbus.network.schemas import flavors as schemas
from nimbus.network.schemas.listing import SHOW_QUERY
from nimbus.network.state import NetworkState

router = Router()
FLAVORS = "/v2.0/flavors"
PROFILES = "/v2.0/service_profiles"
ASSOCIATIONS = FLAVORS + "/{flavor_id}/service_profiles"


# -- flavors -----------------------------------------------------------------------------------
@router.get(FLAVORS, query=schemas.LIST_FLAVORS)
def list_flavors(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the service flavors (none, for a caller who may see none)."""
    if not req.decide("get_flavor"):
        return {"flavors": []}
    wanted = listing.read(req, "flavor")
    page = req.svc.flavors.list_flavors(wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "flavor", "flavors", page, wanted)


@router.post(FLAVORS, status=201, body=schemas.CREATE_FLAVOR)
def create_flavor(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a flavor of a service (``L3_ROUTER_NAT``: routers)."""
    [attrs], _ = shape.created(req, "flavor", "flavors", schemas.FLAVOR)
    shape.enforce_attrs(req, "create_flavor", attrs, dict(attrs))
    return {"flavor": req.svc.flavors.create_flavor(attrs)}


@router.get(FLAVORS + "/{flavor_id}", query=SHOW_QUERY, faults=(404,))
def show_flavor(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a flavor and its service profiles."""
    shape.enforce_seen(req, "get_flavor", seen="get_flavor")
    return shape.show(req, "flavor", req.svc.flavors.get_flavor(req.params["flavor_id"]))


@router.put(FLAVORS + "/{flavor_id}", body=schemas.UPDATE_FLAVOR, faults=(404,))
def update_flavor(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Rename, describe, enable or disable a flavor."""
    attrs = shape.updated(req, "flavor", schemas.FLAVOR)
    shape.enforce_seen(req, "update_flavor", seen="get_flavor")
    return shape.show(req, "flavor",
                      req.svc.flavors.update_flavor(req.params["flavor_id"], attrs))


@router.delete(FLAVORS + "/{flavor_id}", status=204, faults=(404, 409))
def delete_flavor(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a flavor no router was made with."""
    shape.enforce_seen(req, "delete_flavor", seen="get_flavor")
    req.svc.flavors.delete_flavor(req.params["flavor_id"])
    return Reply(None, 204)


# -- a flavor's service profiles -----------------------------------------------------------------
@router.post(ASSOCIATIONS, status=201, body=schemas.ASSOCIATE, faults=(404, 409))
def associate_profile(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Associate a service profile with a flavor."""
    [attrs], _ = shape.created(req, "service_profile", "service_profiles",
                               schemas.ASSOCIATION)
    req.enforce("create_flavor_service_profile")
    return {"service_profile": req.svc.flavors.associate(req.params["flavor_id"],
                                                         attrs["id"])}


@router.delete(ASSOCIATIONS + "/{profile_id}", status=204, faults=(404,))
def disassociate_profile(req: ApiRequest[NetworkState]) -> Reply:
    """Take a service profile off a flavor."""
    shape.enforce_seen(req, "delete_flavor_service_profile", seen="get_flavor_service_profile")
    req.svc.flavors.disassociate(req.params["flavor_id"], req.params["profile_id"])
    return Reply(None, 204)


# -- service profiles ----------------------------------------------------------------------------
@router.get(PROFILES, query=schemas.LIST_PROFILES)
def list_profiles(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """List the service profiles (none, for a caller who may see none)."""
    if not req.decide("get_service_profile"):
        return {"service_profiles": []}
    wanted = listing.read(req, "service_profile")
    page = req.svc.flavors.list_profiles(wanted.query, wanted.filters, wanted.hidden)
    return listing.answer(req, "service_profile", "service_profiles", page, wanted)


@router.post(PROFILES, status=201, body=schemas.CREATE_PROFILE, faults=(404,))
def create_profile(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Create a service profile: a provider's driver, or metainfo for one."""
    [attrs], _ = shape.created(req, "service_profile", "service_profiles", schemas.PROFILE)
    shape.enforce_attrs(req, "create_service_profile", attrs, dict(attrs))
    return {"service_profile": req.svc.flavors.create_profile(attrs)}


@router.get(PROFILES + "/{profile_id}", query=SHOW_QUERY, faults=(404,))
def show_profile(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Show a service profile."""
    shape.enforce_seen(req, "get_service_profile", seen="get_service_profile")
    return shape.show(req, "service_profile",
                      req.svc.flavors.get_profile(req.params["profile_id"]))


@router.put(PROFILES + "/{profile_id}", body=schemas.UPDATE_PROFILE, faults=(404, 409))
def update_profile(req: ApiRequest[NetworkState]) -> dict[str, Any]:
    """Change a service profile no flavor stands for."""
    attrs = shape.updated(req, "service_profile", schemas.PROFILE)
    shape.enforce_seen(req, "update_service_profile", seen="get_service_profile")
    return shape.show(req, "service_profile",
                      req.svc.flavors.update_profile(req.params["profile_id"], attrs))


@router.delete(PROFILES + "/{profile_id}", status=204, faults=(404, 409))
def delete_profile(req: ApiRequest[NetworkState]) -> Reply:
    """Delete a service profile no flavor stands for."""
    shape.enforce_seen(req, "delete_service_profile", seen="get_service_profile")
    req.svc.flavors.delete_profile(req.params["profile_id"])
    return Reply(None, 204)
