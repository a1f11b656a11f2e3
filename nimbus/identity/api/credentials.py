"""``/v3/credentials`` and ``/v3/users/{user_id}/credentials/OS-EC2``."""

from __future__ import annotations

import json
import secrets
from typing import Any

from nimbus.core.api.request import ApiRequest
from nimbus.core.api.routing import Router
from nimbus.core.errors import BadRequest, Forbidden, NotFound
from nimbus.identity.api.common import base
from nimbus.identity.constants import EC2
from nimbus.identity.schemas import credentials as schema
from nimbus.identity.schemas import queries, views
from nimbus.identity.schemas.rows import Credential
from nimbus.identity.state import IdentityState

router = Router()


def _owner(c: Credential) -> dict[str, Any]:
    return {"target.credential.user_id": c.user_id}


def _view(req: ApiRequest[IdentityState], c: Credential) -> dict[str, Any]:
    return schema.credential(base(req), c, req.svc.creds.unseal(c))


def _check_delegation(req: ApiRequest[IdentityState], user_id: str) -> None:
    """A trust or application-credential token may not mint credentials for another user."""
    if (req.ctx.trust_id or req.ctx.app_cred_id) and user_id != req.ctx.user_id:
        raise Forbidden("A delegated token may only manage its own user's credentials.")


@router.post("/v3/credentials", status=201, body=schema.CREDENTIAL_CREATE_BODY,
             faults=(404, 409))
def create_credential(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create a credential (an EC2 one is keyed by its access key's hash)."""
    data = req.json["credential"]
    req.enforce("identity:create_credential", {"target.credential.user_id": data["user_id"]})
    st = req.svc
    st.users.get_user(data["user_id"])
    _check_delegation(req, data["user_id"])
    blob = data["blob"]
    if data["type"] == EC2 and req.ctx.trust_id:
        # As Keystone: an EC2 credential made under a trust authenticates through that trust.
        parsed = json.loads(blob) if blob.strip().startswith("{") else {}
        if isinstance(parsed, dict):
            parsed["trust_id"] = req.ctx.trust_id
            blob = json.dumps(parsed)
    c = st.creds.create(data["user_id"], data["type"], blob, data.get("project_id"),
                        data.get("id"))
    return {"credential": _view(req, c)}


@router.get("/v3/credentials", query=queries.text("user_id", "type"))
def list_credentials(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List the credentials the caller may see."""
    req.enforce("identity:list_credentials", {"target.credential.user_id": req.ctx.user_id})
    rows = req.svc.creds.list(req.query.get("user_id"), req.query.get("type"))
    # Each credential is filtered by the same rule, so a user sees only their own.
    rows = [c for c in rows if req.allowed("identity:list_credentials", _owner(c))]
    return views.collection(base(req), "credentials", "credentials",
                            [_view(req, c) for c in rows])


@router.get("/v3/credentials/{credential_id}")
def show_credential(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show a credential, its blob decrypted."""
    c = req.svc.creds.get(req.params["credential_id"])
    req.enforce("identity:get_credential", _owner(c))
    return {"credential": _view(req, c)}


@router.patch("/v3/credentials/{credential_id}", body=schema.CREDENTIAL_UPDATE_BODY)
def update_credential(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Update a credential; only an admin may hand it to another user."""
    st = req.svc
    c = st.creds.get(req.params["credential_id"])
    req.enforce("identity:update_credential", _owner(c))
    data = req.json["credential"]
    if "user_id" in data and data["user_id"] != c.user_id:
        # Handing a credential to someone else is an admin's act only (OSSA-2020-004).
        req.enforce("identity:update_credential", {"target.credential.user_id": data["user_id"]})
        st.users.get_user(data["user_id"])
    c = st.creds.update(c.id, data)
    return {"credential": _view(req, c)}


@router.delete("/v3/credentials/{credential_id}", status=204)
def delete_credential(req: ApiRequest[IdentityState]) -> None:
    """Delete a credential."""
    st = req.svc
    c = st.creds.get(req.params["credential_id"])
    req.enforce("identity:delete_credential", _owner(c))
    st.creds.delete(c.id)


# -- OS-EC2 ---------------------------------------------------------------------------------
@router.post("/v3/users/{user_id}/credentials/OS-EC2", status=201, body=schema.EC2_CREATE_BODY,
             faults=(409,))
def create_ec2(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Create an EC2 credential (access and secret made here) on a project."""
    user_id = req.params["user_id"]
    req.enforce("identity:ec2_create_credential", {"target.user.id": user_id})
    data = req.json or {}
    project_id = data.get("tenant_id") or data.get("project_id")
    if not project_id:
        raise BadRequest("Invalid input for field 'tenant_id': it is required.")
    st = req.svc
    st.users.get_user(user_id)
    st.resource.get_project(project_id)
    _check_delegation(req, user_id)
    blob = {"access": secrets.token_hex(16), "secret": secrets.token_hex(16),
            "trust_id": req.ctx.trust_id, "app_cred_id": req.ctx.app_cred_id}
    c = st.creds.create(user_id, EC2, json.dumps(blob), project_id)
    return {"credential": schema.ec2(base(req), c, blob)}


@router.get("/v3/users/{user_id}/credentials/OS-EC2")
def list_ec2(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """List a user's EC2 credentials."""
    user_id = req.params["user_id"]
    req.enforce("identity:ec2_list_credentials", {"target.user.id": user_id})
    st = req.svc
    st.users.get_user(user_id)
    rows = st.creds.list(user_id, EC2)
    return views.collection(base(req), f"users/{user_id}/credentials/OS-EC2", "credentials",
                            [schema.ec2(base(req), c, st.creds.ec2_blob(c)) for c in rows])


def _ec2(req: ApiRequest[IdentityState]) -> Credential:
    c = req.svc.creds.find_ec2(req.params["user_id"], req.params["access"])
    if c is None:
        raise NotFound(f"Could not find credential: {req.params['access']}.")
    return c


@router.get("/v3/users/{user_id}/credentials/OS-EC2/{access}")
def show_ec2(req: ApiRequest[IdentityState]) -> dict[str, Any]:
    """Show an EC2 credential by its access key."""
    req.enforce("identity:ec2_get_credential",
                {"target.credential.user_id": req.params["user_id"]})
    c = _ec2(req)
    return {"credential": schema.ec2(base(req), c, req.svc.creds.ec2_blob(c))}


@router.delete("/v3/users/{user_id}/credentials/OS-EC2/{access}", status=204)
def delete_ec2(req: ApiRequest[IdentityState]) -> None:
    """Delete an EC2 credential by its access key."""
    req.enforce("identity:ec2_delete_credential",
                {"target.credential.user_id": req.params["user_id"]})
    req.svc.creds.delete(_ec2(req).id)
