"""QoS specs (admin): limits a volume type's volumes get, and their association with types."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest, Reply
from nimbus.volume.api.common import VolumeRouter, base_url, next_link, page_query
from nimbus.volume.errors import InvalidInput
from nimbus.volume.schemas import qos_specs as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()


def _detail(req: ApiRequest[VolumeState], qos: dict[str, Any]) -> dict[str, Any]:
    return schema.detail(qos, base_url(req), str(req.ctx.project_id))


def _type_id(req: ApiRequest[VolumeState]) -> str:
    type_id = req.args.get("vol_type_id")
    if not type_id:
        raise InvalidInput("Volume Type id must not be None.", reason="vol_type_id is missing")
    return str(type_id)


@router.get("/qos-specs", query=schema.LIST_QUERY)
def index(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List QoS specs."""
    req.enforce("volume_extension:qos_specs_manage:get_all")
    filters = {k: str(req.args[k]) for k in ("id", "name", "consumer") if req.args.get(k)}
    query = page_query(req)
    items = [schema.view(q) for q in req.svc.qos.listing(filters, query).items]
    result: dict[str, Any] = {"qos_specs": items}
    links = next_link(req, "qos-specs", items, query.limit)
    if links:
        result["qos_specs_links"] = links
    return result


@router.post("/qos-specs", body=schema.CREATE, faults=(409,))
def create(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Create QoS specs: a name, a consumer (back-end unless told) and the specs."""
    req.enforce("volume_extension:qos_specs_manage:create")
    spec = dict(req.json["qos_specs"])
    name = str(spec.pop("name")).strip()
    return _detail(req, req.svc.qos.create(name, spec))


@router.get("/qos-specs/{qos_id}")
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Show QoS specs."""
    req.enforce("volume_extension:qos_specs_manage:get")
    return _detail(req, req.svc.qos.get(req.params["qos_id"]))


@router.put("/qos-specs/{qos_id}", body=schema.SET_KEYS)
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Set keys of QoS specs (``consumer`` changes its consumer); answers with what was set."""
    req.enforce("volume_extension:qos_specs_manage:update")
    req.svc.qos.update(req.params["qos_id"], req.json["qos_specs"])
    return {"qos_specs": req.json["qos_specs"]}


@router.put("/qos-specs/{qos_id}/delete_keys", status=202, body=schema.DELETE_KEYS)
def delete_keys(req: ApiRequest[VolumeState]) -> Reply:
    """Delete keys of QoS specs."""
    req.enforce("volume_extension:qos_specs_manage:delete")
    req.svc.qos.delete_keys(req.params["qos_id"], list(req.json["keys"]))
    return Reply(None, status=202)


@router.delete("/qos-specs/{qos_id}", status=202, query=schema.DELETE_QUERY)
def delete(req: ApiRequest[VolumeState]) -> Reply:
    """Delete QoS specs (``force`` takes them from the types they are associated with)."""
    req.enforce("volume_extension:qos_specs_manage:delete")
    req.svc.qos.delete(req.params["qos_id"], bool(req.args.get("force", False)))
    return Reply(None, status=202)


@router.get("/qos-specs/{qos_id}/associations")
def associations(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """List the volume types QoS specs are associated with."""
    req.enforce("volume_extension:qos_specs_manage:get_all")
    return {"qos_associations": req.svc.qos.associations(req.params["qos_id"])}


@router.get("/qos-specs/{qos_id}/associate", status=202, query=schema.TYPE_QUERY)
def associate(req: ApiRequest[VolumeState]) -> Reply:
    """Associate QoS specs with a volume type (``vol_type_id``)."""
    req.enforce("volume_extension:qos_specs_manage:update")
    req.svc.qos.associate(req.params["qos_id"], _type_id(req))
    return Reply(None, status=202)


@router.get("/qos-specs/{qos_id}/disassociate", status=202, query=schema.TYPE_QUERY)
def disassociate(req: ApiRequest[VolumeState]) -> Reply:
    """Take QoS specs from a volume type (``vol_type_id``)."""
    req.enforce("volume_extension:qos_specs_manage:update")
    req.svc.qos.disassociate(req.params["qos_id"], _type_id(req))
    return Reply(None, status=202)


@router.get("/qos-specs/{qos_id}/disassociate_all", status=202)
def disassociate_all(req: ApiRequest[VolumeState]) -> Reply:
    """Take QoS specs from every volume type."""
    req.enforce("volume_extension:qos_specs_manage:update")
    req.svc.qos.disassociate_all(req.params["qos_id"])
    return Reply(None, status=202)
