"""``/v3/OS-FEDERATION``: identity providers, their protocols, mappings, service providers."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import ValidationError
from nimbus.identity.api.common import base, filters
from nimbus.identity.schemas import federation as schema
from nimbus.identity.schemas import queries
from nimbus.identity.state import IdentityState

router = Router()
IDPS = "/v3/OS-FEDERATION/identity_providers"
PROTOCOLS = IDPS + "/{idp_id}/protocols"


def _id(req: ApiRequest[IdentityState], name: str) -> str:
    # Path ids are the resource's own id, so they obey its rule.
    value = req.params[name]
    if not 1 <= len(value) <= 64:
        raise ValidationError(field=name, reason="must be 1 to 64 characters")
    return value


# -- identity providers ---------------------------------------------------------------------
@router.put(IDPS + "/{idp_id}", status=201, body=schema.IDP_CREATE_BODY, faults=(409,))
def create_idp(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Register an identity provider."""
    req.enforce("identity:create_identity_provider")
    data = req.json["identity_provider"]
    idp = req.svc.federation.create_idp(_id(req, "idp_id"), data)
    return {"identity_provider": schema.idp(base(req), idp)}


@router.get(IDPS, query=queries.text("id", "enabled"))
def list_idps(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List identity providers."""
    req.enforce("identity:list_identity_providers")
    rows = req.svc.federation.list_idps(filters(req, "id", "enabled"))
    return schema.collection(base(req), "identity_providers", "identity_providers",
                            [schema.idp(base(req), i) for i in rows])


@router.get(IDPS + "/{idp_id}")
def get_idp(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show an identity provider."""
    req.enforce("identity:get_identity_provider")
    idp = req.svc.federation.get_idp(req.params["idp_id"])
    return {"identity_provider": schema.idp(base(req), idp)}


@router.patch(IDPS + "/{idp_id}", body=schema.IDP_UPDATE_BODY, faults=(409,))
def update_idp(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update an identity provider."""
    req.enforce("identity:update_identity_provider")
    data = req.json["identity_provider"]
    st = req.svc
    idp = st.federation.update_idp(req.params["idp_id"], data)
    if data.get("enabled") is False:
        st.on_revocation()
    return {"identity_provider": schema.idp(base(req), idp)}


@router.delete(IDPS + "/{idp_id}", status=204)
def delete_idp(req: ApiRequest[IdentityState]) -> None:
    """Delete an identity provider, its protocols and the shadow users only it knew."""
    req.enforce("identity:delete_identity_provider")
    st = req.svc
    user_ids = st.federation.delete_idp(req.params["idp_id"])
    # As Keystone: the provider's shadow users go with it, unless another provider knows them.
    still_linked = st.federation.federated_info(user_ids)
    for user_id in user_ids:
        if user_id not in still_linked:
            st.users.delete_user(user_id)
            st.revocations.revoke(user_id=user_id)
    st.on_revocation()


# -- protocols ------------------------------------------------------------------------------
@router.put(PROTOCOLS + "/{protocol_id}", status=201, body=schema.PROTOCOL_BODY, faults=(409,))
def create_protocol(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Add a protocol to an identity provider."""
    req.enforce("identity:create_protocol")
    data = req.json["protocol"]
    row = req.svc.federation.create_protocol(req.params["idp_id"],
                                                _id(req, "protocol_id"), data)
    return {"protocol": schema.protocol(base(req), row)}


@router.get(PROTOCOLS)
def list_protocols(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List an identity provider's protocols."""
    req.enforce("identity:list_protocols")
    idp_id = req.params["idp_id"]
    rows = req.svc.federation.list_protocols(idp_id)
    return schema.collection(base(req), f"identity_providers/{idp_id}/protocols", "protocols",
                            [schema.protocol(base(req), p) for p in rows])


@router.get(PROTOCOLS + "/{protocol_id}")
def get_protocol(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show an identity provider's protocol."""
    req.enforce("identity:get_protocol")
    row = req.svc.federation.get_protocol(req.params["idp_id"], req.params["protocol_id"])
    return {"protocol": schema.protocol(base(req), row)}


@router.patch(PROTOCOLS + "/{protocol_id}", body=schema.PROTOCOL_UPDATE_BODY)
def update_protocol(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update an identity provider's protocol."""
    req.enforce("identity:update_protocol")
    data = req.json["protocol"]
    row = req.svc.federation.update_protocol(req.params["idp_id"],
                                                req.params["protocol_id"], data)
    return {"protocol": schema.protocol(base(req), row)}


@router.delete(PROTOCOLS + "/{protocol_id}", status=204)
def delete_protocol(req: ApiRequest[IdentityState]) -> None:
    """Delete an identity provider's protocol."""
    req.enforce("identity:delete_protocol")
    req.svc.federation.delete_protocol(req.params["idp_id"], req.params["protocol_id"])


# -- mappings -------------------------------------------------------------------------------
@router.put("/v3/OS-FEDERATION/mappings/{mapping_id}", status=201, body=schema.MAPPING_BODY,
            faults=(409,))
def create_mapping(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create a mapping."""
    req.enforce("identity:create_mapping")
    data = schema.check_mapping(req.json["mapping"])
    row = req.svc.federation.create_mapping(_id(req, "mapping_id"), data["rules"],
                                               data.get("schema_version") or "1.0")
    return {"mapping": schema.mapping(base(req), row)}


@router.get("/v3/OS-FEDERATION/mappings")
def list_mappings(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List mappings."""
    req.enforce("identity:list_mappings")
    rows = req.svc.federation.list_mappings()
    return schema.collection(base(req), "mappings", "mappings",
                            [schema.mapping(base(req), m) for m in rows])


@router.get("/v3/OS-FEDERATION/mappings/{mapping_id}")
def get_mapping(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a mapping."""
    req.enforce("identity:get_mapping")
    row = req.svc.federation.get_mapping(req.params["mapping_id"])
    return {"mapping": schema.mapping(base(req), row)}


@router.patch("/v3/OS-FEDERATION/mappings/{mapping_id}", body=schema.MAPPING_BODY)
def update_mapping(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Replace a mapping's rules."""
    req.enforce("identity:update_mapping")
    data = schema.check_mapping(req.json["mapping"])
    row = req.svc.federation.update_mapping(req.params["mapping_id"], data["rules"],
                                               data.get("schema_version"))
    return {"mapping": schema.mapping(base(req), row)}


@router.delete("/v3/OS-FEDERATION/mappings/{mapping_id}", status=204)
def delete_mapping(req: ApiRequest[IdentityState]) -> None:
    """Delete a mapping."""
    req.enforce("identity:delete_mapping")
    req.svc.federation.delete_mapping(req.params["mapping_id"])


# -- service providers ----------------------------------------------------------------------
SPS = "/v3/OS-FEDERATION/service_providers"


@router.put(SPS + "/{sp_id}", status=201, body=schema.SP_CREATE_BODY, faults=(409,))
def create_sp(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Register a service provider."""
    req.enforce("identity:create_service_provider")
    data = req.json["service_provider"]
    row = req.svc.federation.create_sp(_id(req, "sp_id"), data)
    return {"service_provider": schema.service_provider(base(req), row)}


@router.get(SPS, query=queries.text("id", "enabled"))
def list_sps(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List service providers."""
    req.enforce("identity:list_service_providers")
    rows = req.svc.federation.list_sps(filters(req, "id", "enabled"))
    return schema.collection(base(req), "service_providers", "service_providers",
                            [schema.service_provider(base(req), sp) for sp in rows])


@router.get(SPS + "/{sp_id}")
def get_sp(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a service provider."""
    req.enforce("identity:get_service_provider")
    row = req.svc.federation.get_sp(req.params["sp_id"])
    return {"service_provider": schema.service_provider(base(req), row)}


@router.patch(SPS + "/{sp_id}", body=schema.SP_UPDATE_BODY)
def update_sp(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a service provider."""
    req.enforce("identity:update_service_provider")
    data = req.json["service_provider"]
    row = req.svc.federation.update_sp(req.params["sp_id"], data)
    return {"service_provider": schema.service_provider(base(req), row)}


@router.delete(SPS + "/{sp_id}", status=204)
def delete_sp(req: ApiRequest[IdentityState]) -> None:
    """Delete a service provider."""
    req.enforce("identity:delete_service_provider")
    req.svc.federation.delete_sp(req.params["sp_id"])
