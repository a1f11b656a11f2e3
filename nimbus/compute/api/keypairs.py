"""``/os-keypairs``: create or import, list, show and delete a user's keypairs."""

from __future__ import annotations

import re
from typing import Any

from nimbus.compute.api.common import V
from nimbus.compute.db.models import KeyPair
from nimbus.compute.schemas import common
from nimbus.core.api.routing import ApiRequest, Reply, Router
from nimbus.core.db.base import iso_micro
from nimbus.core.errors import BadRequest, ValidationError

router = Router()
NAME_OLD = re.compile(r"^[a-zA-Z0-9 _-]+$")
NAME_292 = re.compile(r"^[a-zA-Z0-9 @._-]+$")


def _user(req: ApiRequest, source: dict[str, Any] | None = None) -> str:
    """Whose keypairs: the caller's, or (2.10+) the ``user_id`` an admin names."""
    wanted = (source or {}).get("user_id") if source is not None else req.query.get("user_id")
    if wanted and req.at_least("2.10"):
        return str(wanted)
    return str(req.ctx.user_id)


def _short(req: ApiRequest, row: KeyPair) -> dict[str, Any]:
    body: dict[str, Any] = {"name": row.name, "public_key": row.public_key,
                            "fingerprint": row.fingerprint}
    if req.at_least("2.2"):
        body["type"] = row.type
    return body


@router.get(f"{V}/os-keypairs")
def index(req: ApiRequest) -> dict[str, Any]:
    user_id = _user(req)
    req.enforce("os_compute_api:os-keypairs:index", {"user_id": user_id, "project_id": None})
    rows = req.svc.keypairs.list(user_id)
    result: dict[str, Any] = {}
    if req.at_least("2.35"):
        marker = req.query.get("marker")
        if marker:
            names = [r.name for r in rows]
            if marker not in names:
                raise BadRequest(f"marker [{marker}] not found")
            rows = rows[names.index(marker) + 1:]
        limit = req.query_int("limit")
        if limit is not None and len(rows) > limit:
            rows = rows[:limit]
            result["keypairs_links"] = [{"rel": "next", "href": f"{req.service_url}/v2.1/"
                                         f"os-keypairs?limit={limit}&marker={rows[-1].name}"}]
    result["keypairs"] = [{"keypair": _short(req, r)} for r in rows]
    return result


@router.post(f"{V}/os-keypairs")
def create(req: ApiRequest) -> Reply:
    body = req.body_dict("keypair")
    allowed = {"name", "public_key"}
    if req.at_least("2.2"):
        allowed.add("type")
    if req.at_least("2.10"):
        allowed.add("user_id")
    common.no_extra(body, allowed, "keypair")
    user_id = _user(req, body)
    req.enforce("os_compute_api:os-keypairs:create", {"user_id": user_id, "project_id": None})
    name = common.string(body, "name", required=True, min_len=1)
    pattern = NAME_292 if req.at_least("2.92") else NAME_OLD
    if not name or not pattern.match(name):
        raise ValidationError(field="name", reason=f"{name!r} does not match "
                              f"'{pattern.pattern}'")
    key_type = common.string(body, "type") or "ssh"
    if key_type not in ("ssh", "x509"):
        raise ValidationError(field="type", reason=f"{key_type!r} is not one of ['ssh', 'x509']")
    public_key = common.string(body, "public_key", max_len=65535, nullable=True)
    if req.at_least("2.92") and not public_key:
        raise ValidationError(field="public_key", reason="'public_key' is a required property")
    row, private = req.svc.keypairs.create(user_id, name, key_type, public_key)
    shaped = _short(req, row)
    shaped["user_id"] = row.user_id
    if private is not None:
        shaped["private_key"] = private
    return Reply({"keypair": shaped}, status=201 if req.at_least("2.2") else 200)


@router.get(f"{V}/os-keypairs/{{name}}")
def show(req: ApiRequest) -> dict[str, Any]:
    user_id = _user(req)
    req.enforce("os_compute_api:os-keypairs:show", {"user_id": user_id, "project_id": None})
    row = req.svc.keypairs.get(user_id, req.params["name"])
    body = _short(req, row)
    body.update({"user_id": row.user_id, "id": row.id, "created_at": iso_micro(row.created_at),
                 "updated_at": None, "deleted_at": None, "deleted": False})
    return {"keypair": body}


@router.delete(f"{V}/os-keypairs/{{name}}")
def delete(req: ApiRequest) -> Reply:
    user_id = _user(req)
    req.enforce("os_compute_api:os-keypairs:delete", {"user_id": user_id, "project_id": None})
    req.svc.keypairs.delete(user_id, req.params["name"])
    return Reply(None, status=204 if req.at_least("2.2") else 202)
