"""``/v3/OS-FEDERATION``: identity providers, their protocols, mappings, service providers."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Router
from nimbus.core.api.validation import validate
from nimbus.core.errors import ValidationError
from nimbus.identity.api.common import base, filters, state
from nimbus.identity.federation import schema, views

router = Router()
IDPS = "/v3/OS-FEDERATION/identity_providers"
PROTOCOLS = IDPS + "/{idp_id}/protocols"


def _id(req: ApiRequest, name: str) -> str:
    value = req.params[name]
    if not 1 <= len(value) <= 64:
        raise ValidationError(field=name, reason="must be 1 to 64 characters")
    return value


def _body(req: ApiRequest, key: str, spec: dict[str, Any]) -> dict[str, Any]:
    return validate(req.body_dict(key), spec)  # type: ignore[no-any-return]


# -- identity providers ---------------------------------------------------------------------
@router.put(IDPS + "/{idp_id}", status=201)
def create_idp(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_identity_provider")
    data = _body(req, "identity_provider", schema.IDP_CREATE)
    idp = state(req).federation.create_idp(_id(req, "idp_id"), data)
    return {"identity_provider": views.idp(base(req), idp)}


@router.get(IDPS)
def list_idps(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_identity_providers")
    rows = state(req).federation.list_idps(filters(req, "id", "enabled"))
    return views.collection(base(req), "identity_providers", "identity_providers",
                            [views.idp(base(req), i) for i in rows])


@router.get(IDPS + "/{idp_id}")
def get_idp(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_identity_provider")
    idp = state(req).federation.get_idp(req.params["idp_id"])
    return {"identity_provider": views.idp(base(req), idp)}


@router.patch(IDPS + "/{idp_id}")
def update_idp(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_identity_provider")
    data = _body(req, "identity_provider", schema.IDP_UPDATE)
    st = state(req)
    idp = st.federation.update_idp(req.params["idp_id"], data)
    if data.get("enabled") is False:
        st.on_revocation()
    return {"identity_provider": views.idp(base(req), idp)}


@router.delete(IDPS + "/{idp_id}", status=204)
def delete_idp(req: ApiRequest) -> None:
    req.enforce("identity:delete_identity_provider")
    st = state(req)
    user_ids = st.federation.delete_idp(req.params["idp_id"])
    # As Keystone: the provider's shadow users go with it, unless another provider knows them.
    still_linked = st.federation.federated_info(user_ids)
    for user_id in user_ids:
        if user_id not in still_linked:
            st.users.delete_user(user_id)
            st.tokens.revoke(user_id=user_id)
    st.on_revocation()


# -- protocols ------------------------------------------------------------------------------
@router.put(PROTOCOLS + "/{protocol_id}", status=201)
def create_protocol(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_protocol")
    data = _body(req, "protocol", schema.PROTOCOL)
    row = state(req).federation.create_protocol(req.params["idp_id"],
                                                _id(req, "protocol_id"), data)
    return {"protocol": views.protocol(base(req), row)}


@router.get(PROTOCOLS)
def list_protocols(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_protocols")
    idp_id = req.params["idp_id"]
    rows = state(req).federation.list_protocols(idp_id)
    return views.collection(base(req), f"identity_providers/{idp_id}/protocols", "protocols",
                            [views.protocol(base(req), p) for p in rows])


@router.get(PROTOCOLS + "/{protocol_id}")
def get_protocol(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_protocol")
    row = state(req).federation.get_protocol(req.params["idp_id"], req.params["protocol_id"])
    return {"protocol": views.protocol(base(req), row)}


@router.patch(PROTOCOLS + "/{protocol_id}")
def update_protocol(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_protocol")
    data = _body(req, "protocol", schema.PROTOCOL_UPDATE)
    row = state(req).federation.update_protocol(req.params["idp_id"],
                                                req.params["protocol_id"], data)
    return {"protocol": views.protocol(base(req), row)}


@router.delete(PROTOCOLS + "/{protocol_id}", status=204)
def delete_protocol(req: ApiRequest) -> None:
    req.enforce("identity:delete_protocol")
    state(req).federation.delete_protocol(req.params["idp_id"], req.params["protocol_id"])


# -- mappings -------------------------------------------------------------------------------
@router.put("/v3/OS-FEDERATION/mappings/{mapping_id}", status=201)
def create_mapping(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_mapping")
    data = schema.check_mapping(req.body_dict("mapping"))
    row = state(req).federation.create_mapping(_id(req, "mapping_id"), data["rules"],
                                               data.get("schema_version") or "1.0")
    return {"mapping": views.mapping(base(req), row)}


@router.get("/v3/OS-FEDERATION/mappings")
def list_mappings(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_mappings")
    rows = state(req).federation.list_mappings()
    return views.collection(base(req), "mappings", "mappings",
                            [views.mapping(base(req), m) for m in rows])


@router.get("/v3/OS-FEDERATION/mappings/{mapping_id}")
def get_mapping(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_mapping")
    row = state(req).federation.get_mapping(req.params["mapping_id"])
    return {"mapping": views.mapping(base(req), row)}


@router.patch("/v3/OS-FEDERATION/mappings/{mapping_id}")
def update_mapping(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_mapping")
    data = schema.check_mapping(req.body_dict("mapping"))
    row = state(req).federation.update_mapping(req.params["mapping_id"], data["rules"],
                                               data.get("schema_version"))
    return {"mapping": views.mapping(base(req), row)}


@router.delete("/v3/OS-FEDERATION/mappings/{mapping_id}", status=204)
def delete_mapping(req: ApiRequest) -> None:
    req.enforce("identity:delete_mapping")
    state(req).federation.delete_mapping(req.params["mapping_id"])


# -- service providers ----------------------------------------------------------------------
SPS = "/v3/OS-FEDERATION/service_providers"


@router.put(SPS + "/{sp_id}", status=201)
def create_sp(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:create_service_provider")
    data = _body(req, "service_provider", schema.SP_CREATE)
    row = state(req).federation.create_sp(_id(req, "sp_id"), data)
    return {"service_provider": views.service_provider(base(req), row)}


@router.get(SPS)
def list_sps(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:list_service_providers")
    rows = state(req).federation.list_sps(filters(req, "id", "enabled"))
    return views.collection(base(req), "service_providers", "service_providers",
                            [views.service_provider(base(req), sp) for sp in rows])


@router.get(SPS + "/{sp_id}")
def get_sp(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:get_service_provider")
    row = state(req).federation.get_sp(req.params["sp_id"])
    return {"service_provider": views.service_provider(base(req), row)}


@router.patch(SPS + "/{sp_id}")
def update_sp(req: ApiRequest) -> dict[str, Any]:
    req.enforce("identity:update_service_provider")
    data = _body(req, "service_provider", schema.SP_UPDATE)
    row = state(req).federation.update_sp(req.params["sp_id"], data)
    return {"service_provider": views.service_provider(base(req), row)}


@router.delete(SPS + "/{sp_id}", status=204)
def delete_sp(req: ApiRequest) -> None:
    req.enforce("identity:delete_service_provider")
    state(req).federation.delete_sp(req.params["sp_id"])
