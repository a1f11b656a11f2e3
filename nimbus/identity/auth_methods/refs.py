"""Finding users and domains from the references an auth request carries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.core.errors import BadRequest, NotFound, Unauthorized
from nimbus.identity.managers.tokens import require

if TYPE_CHECKING:
    from nimbus.identity.db.models import User
    from nimbus.identity.manager import IdentityState


def domain_id_from_ref(st: IdentityState, ref: Any) -> str:
    if not isinstance(ref, dict):
        raise BadRequest("Invalid input for field 'domain': expected an object.")
    if ref.get("id"):
        return str(ref["id"])
    if ref.get("name"):
        try:
            return st.resource.get_domain_by_name(str(ref["name"])).id
        except NotFound:
            raise Unauthorized(f"Could not find domain: {ref['name']}.") from None
    raise BadRequest("Invalid input for field 'domain': id or name is required.")


def user_from_ref(st: IdentityState, ref: Any) -> User:
    if not isinstance(ref, dict):
        raise BadRequest("Invalid input for field 'user': expected an object.")
    try:
        if ref.get("id"):
            return st.users.get_user(str(ref["id"]))
        if ref.get("name"):
            return st.users.get_user_by_name(str(ref["name"]),
                                             domain_id_from_ref(st, require(ref, "domain")))
    except NotFound:
        raise Unauthorized("The request you have made requires authentication.") from None
    raise BadRequest("Invalid input for field 'user': id or name is required.")
