"""Default identity policy, with Keystone's rule names.

The core API's rules (secure RBAC personas) live in ``rbac``; the extensions add theirs here.
"""

from __future__ import annotations

from nimbus.identity.rbac import ADMIN, CORE_RULES, READER

RULES: dict[str, str] = dict(CORE_RULES)

# Trusts, credentials, access rules, OAuth consumers, domain configs, limits, revocations.
_TRUSTOR = "user_id:%(target.trust.trustor_user_id)s"
_TRUSTEE = "user_id:%(target.trust.trustee_user_id)s"
_CRED_OWNER = "user_id:%(target.credential.user_id)s"
_USER_OWNER = "user_id:%(target.user.id)s"
RULES.update({
    "identity:create_trust": "user_id:%(trust.trustor_user_id)s",
    "identity:list_trusts": READER,
    "identity:list_trusts_for_trustor": f"{READER} or {_TRUSTOR}",
    "identity:list_trusts_for_trustee": f"{READER} or {_TRUSTEE}",
    "identity:get_trust": f"{READER} or {_TRUSTOR} or {_TRUSTEE}",
    "identity:list_roles_for_trust": f"{READER} or {_TRUSTOR} or {_TRUSTEE}",
    "identity:get_role_for_trust": f"{READER} or {_TRUSTOR} or {_TRUSTEE}",
    "identity:delete_trust": f"{ADMIN} or {_TRUSTOR}",
    "identity:get_credential": f"{READER} or {_CRED_OWNER}",
    "identity:list_credentials": f"{READER} or {_CRED_OWNER}",
    "identity:create_credential": f"{ADMIN} or {_CRED_OWNER}",
    "identity:update_credential": f"{ADMIN} or {_CRED_OWNER}",
    "identity:delete_credential": f"{ADMIN} or {_CRED_OWNER}",
    "identity:ec2_get_credential": f"{READER} or {_CRED_OWNER}",
    "identity:ec2_list_credentials": f"{READER} or {_USER_OWNER}",
    "identity:ec2_create_credential": f"{ADMIN} or {_USER_OWNER}",
    "identity:ec2_delete_credential": f"{ADMIN} or {_CRED_OWNER}",
    "identity:ec2tokens_validate": "@",
    "identity:get_access_rule": f"{READER} or {_USER_OWNER}",
    "identity:list_access_rules": f"{READER} or {_USER_OWNER}",
    "identity:delete_access_rule": f"{ADMIN} or {_USER_OWNER}",
    "identity:get_access_rules_config": "@",
    "identity:create_consumer": ADMIN,
    "identity:get_consumer": READER,
    "identity:list_consumers": READER,
    "identity:update_consumer": ADMIN,
    "identity:delete_consumer": ADMIN,
    "identity:create_domain_config": ADMIN,
    "identity:get_domain_config": READER,
    "identity:get_domain_config_default": READER,
    "identity:update_domain_config": ADMIN,
    "identity:delete_domain_config": ADMIN,
    "identity:get_security_compliance_domain_config": "@",
    "identity:get_registered_limit": "@",
    "identity:list_registered_limits": "@",
    "identity:create_registered_limits": ADMIN,
    "identity:update_registered_limit": ADMIN,
    "identity:delete_registered_limit": ADMIN,
    "identity:get_limit_model": "@",
    "identity:get_limit": f"{READER} or project_id:%(target.limit.project_id)s"
                          " or domain_id:%(target.limit.domain_id)s",
    "identity:list_limits": "@",
    "identity:create_limits": ADMIN,
    "identity:update_limit": ADMIN,
    "identity:delete_limit": ADMIN,
    "identity:list_revoke_events": f"{ADMIN} or rule:service_role",
})

# OS-FEDERATION: managed by admins, readable by system readers.
for _single, _plural in (("identity_provider", "identity_providers"), ("protocol", "protocols"),
                         ("mapping", "mappings"), ("service_provider", "service_providers")):
    RULES[f"identity:create_{_single}"] = ADMIN
    RULES[f"identity:update_{_single}"] = ADMIN
    RULES[f"identity:delete_{_single}"] = ADMIN
    RULES[f"identity:get_{_single}"] = READER
    RULES[f"identity:list_{_plural}"] = READER
