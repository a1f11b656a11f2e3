"""Quota classes (``os-quota-class-sets``): the ``default`` class's limits are every
project's defaults, per volume type too (``volumes_<type>``...)."""

from __future__ import annotations

from typing import Any

from nimbus.core.api.routing import ApiRequest
from nimbus.volume.api.common import VolumeRouter
from nimbus.volume.api.quota_sets import MAX_QUOTA
from nimbus.volume.errors import InvalidInput
from nimbus.volume.schemas import operators as schema
from nimbus.volume.state import VolumeState

router = VolumeRouter()


@router.get("/os-quota-class-sets/{class_name}", params=schema.CLASS_NAME)
def show(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """A quota class's limits (a resource it does not set has Cinder's default)."""
    req.enforce("volume_extension:quota_classes:get")
    name = req.params["class_name"]
    return {"quota_class_set": {**req.svc.quotas.class_limits(name), "id": name}}


@router.put("/os-quota-class-sets/{class_name}", params=schema.CLASS_NAME,
            body=schema.QUOTA_CLASS_UPDATE)
def update(req: ApiRequest[VolumeState]) -> dict[str, Any]:
    """Change a quota class's limits."""
    req.enforce("volume_extension:quota_classes:update")
    name = req.params["class_name"]
    known = req.svc.quotas.resource_names()
    values = {key: int(str(value).strip()) for key, value in req.json["quota_class_set"].items()}
    bad = sorted(key for key in values if key not in known)
    if bad:
        raise InvalidInput(reason=f"Bad key(s) in quota set: {','.join(bad)}")
    for key, value in values.items():
        if value > MAX_QUOTA:
            raise InvalidInput(reason=f"Quota limit {value} for {key} must be less than or "
                                      f"equal to {MAX_QUOTA}.")
    return {"quota_class_set": req.svc.quotas.update_class(name, values)}
