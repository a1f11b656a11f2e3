"""Default policy rules for object storage.

Swift has no oslo.policy names of its own, so these are Nimbus's, stable so that an operator's
``object.yaml`` can override them. The target's ``project_id`` is the account's project
(``AUTH_<project_id>``). By default:

* the account's project members (roles ``member`` or ``swiftoperator``) read and write it;
* its ``reader`` role holders only read it;
* ``admin`` and ``ResellerAdmin`` may use any account;
* everyone else gets 403, as Swift's keystoneauth answers.
"""

from __future__ import annotations

_OWNER = "rule:object_account_owner"
_READER = "rule:object_account_reader"

RULES: dict[str, str] = {
    "object_reseller_admin": "role:ResellerAdmin",
    "object_account_owner": (
        "rule:admin_required or rule:object_reseller_admin"
        " or (role:member and project_id:%(project_id)s)"
        " or (role:swiftoperator and project_id:%(project_id)s)"
    ),
    "object_account_reader": (
        "rule:object_account_owner or (role:reader and project_id:%(project_id)s)"
    ),
    "object:account:get": _READER,
    "object:account:post": _OWNER,
    # Account quotas are the reseller's limit on its customer, never the customer's to change.
    "object:account:set_quota": "rule:object_reseller_admin",
    "object:container:get": _READER,
    "object:container:put": _OWNER,
    "object:container:post": _OWNER,
    "object:container:delete": _OWNER,
    "object:object:get": _READER,
    "object:object:put": _OWNER,
    "object:object:post": _OWNER,
    "object:object:delete": _OWNER,
    "object:object:copy": _OWNER,
    # Who sees the temp URL keys and account ACL; only the owners, as Swift's swift_owner.
    "object:owner_headers": _OWNER,
    # Signed access with no token: whoever holds a valid signature (made with a key only the
    # account's owners can read and set). An operator may turn them off here.
    "object:tempurl": "@",
    "object:formpost": "@",
}
