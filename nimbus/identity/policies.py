"""Default identity policy, with Keystone's rule names.

Admin may do everything; readers with system scope may read; users may manage themselves
(password, application credentials, their own projects) and validate their own tokens.
"""

from __future__ import annotations

ADMIN = "rule:admin_required"
READER = "rule:admin_required or (role:reader and system_scope:all)"
SELF = "rule:admin_required or user_id:%(target.user.id)s"

_CRUD = {
    "domain": ("domains", READER),
    "project": ("projects", READER),
    "user": ("users", READER),
    "group": ("groups", READER),
    "role": ("roles", READER),
    "region": ("regions", "rule:authenticated"),
    "service": ("services", READER),
    "endpoint": ("endpoints", READER),
    "credential": ("credentials", READER),
}

RULES: dict[str, str] = {
    "authenticated": "@",
    "token_subject": "user_id:%(target.token.user_id)s",
    "identity:validate_token": "rule:admin_required or rule:service_role or rule:token_subject",
    "identity:check_token": "rule:admin_required or rule:service_role or rule:token_subject",
    "identity:revoke_token": "rule:admin_required or rule:service_role or rule:token_subject",
    "identity:get_auth_catalog": "@",
    "identity:get_auth_projects": "@",
    "identity:get_auth_domains": "@",
    "identity:get_auth_system": "@",
    "identity:get_project": READER + " or project_id:%(target.project.id)s",
    "identity:get_domain": READER + " or project_domain_id:%(target.domain.id)s"
    " or domain_id:%(target.domain.id)s",
    "identity:get_user": SELF + " or (role:reader and system_scope:all)",
    "identity:list_user_projects": SELF + " or (role:reader and system_scope:all)",
    "identity:list_groups_for_user": SELF + " or (role:reader and system_scope:all)",
    "identity:change_password": SELF,
    "identity:get_application_credential": SELF,
    "identity:list_application_credentials": SELF,
    "identity:create_application_credential": "user_id:%(target.user.id)s",
    "identity:delete_application_credential": SELF,
    "identity:list_role_assignments": READER,
    "identity:create_grant": ADMIN,
    "identity:check_grant": READER,
    "identity:list_grants": READER,
    "identity:revoke_grant": ADMIN,
    "identity:create_implied_role": ADMIN,
    "identity:get_implied_role": READER,
    "identity:list_implied_roles": READER,
    "identity:list_role_inference_rules": READER,
    "identity:delete_implied_role": ADMIN,
    "identity:check_implied_role": READER,
    "identity:add_user_to_group": ADMIN,
    "identity:check_user_in_group": READER,
    "identity:remove_user_from_group": ADMIN,
    "identity:list_users_in_group": READER,
}
for single, (plural, read) in _CRUD.items():
    RULES.setdefault(f"identity:get_{single}", read)
    RULES[f"identity:list_{plural}"] = read
    RULES[f"identity:create_{single}"] = ADMIN
    RULES[f"identity:update_{single}"] = ADMIN
    RULES[f"identity:delete_{single}"] = ADMIN
RULES["identity:list_projects"] = READER
RULES["identity:get_region"] = "rule:authenticated"
