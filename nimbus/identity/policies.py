"""Default identity policy under Keystone's rule names: the core API's secure-RBAC personas,
then the extensions' rules.

Personas, as Keystone defines them:
- cloud admin: the admin role on a project or on the system;
- system reader: the reader role on the system (sees everything, changes nothing);
- domain admin / domain reader: admin or reader on a domain, for that domain's contents only
  (a domain admin is not a cloud admin, and may not hand out the admin role);
- project users: see their own project, themselves, and their own grants.

An operator's ``<state_dir>/policy/identity.yaml`` overrides any rule by name.
"""

from __future__ import annotations

ADMIN = "rule:admin_required"
SYSTEM_READER = "(role:reader and system_scope:all)"
READER = f"{ADMIN} or {SYSTEM_READER}"
SELF = f"{ADMIN} or user_id:%(target.user.id)s"


# A target's domain may be None (a global role, a listing without a domain filter), and a
# project-scoped token has no domain either: "None" must never match "None".
DOMAIN_SCOPED = "not domain_id:None"


def _domain(role: str, path: str) -> str:
    return f"(role:{role} and {DOMAIN_SCOPED} and domain_id:%({path})s)"


def _reader_or_domain(path: str) -> str:
    return f"{READER} or {_domain('reader', path)}"


def _admin_or_domain(path: str) -> str:
    return f"{ADMIN} or {_domain('admin', path)}"


# A domain admin grants roles to its own users and groups, on its own domain and projects, and
# never the admin role (a project admin is a cloud admin, so that would be an escalation).
_GRANT_ACTOR = "(domain_id:%(target.user.domain_id)s or domain_id:%(target.group.domain_id)s)"
_GRANT_SCOPE = ("(domain_id:%(target.project.domain_id)s or domain_id:%(target.domain.id)s)")
# Target keys whose value is None are dropped before the check, so a global role is marked
# by ``target.role.global`` rather than by a None domain.
_GRANT_ROLE = ("(domain_id:%(target.role.domain_id)s or 'true':%(target.role.global)s) "
               "and not 'admin':%(target.role.name)s")
_DOMAIN_GRANT_ADMIN = (f"(role:admin and {DOMAIN_SCOPED} and {_GRANT_ACTOR} and {_GRANT_SCOPE} "
                       f"and {_GRANT_ROLE})")
_DOMAIN_GRANT_READER = (f"(role:reader and {DOMAIN_SCOPED} and {_GRANT_ACTOR} and "
                        f"{_GRANT_SCOPE})")

_PROJECT_READ = (f"{_reader_or_domain('target.project.domain_id')} "
                 f"or project_id:%(target.project.id)s")
_PROJECT_WRITE = _admin_or_domain("target.project.domain_id")

CORE_RULES: dict[str, str] = {
    # The admin role counts cloud-wide unless the token is scoped to a domain.
    "admin_required": "role:admin and domain_id:None",
    "authenticated": "@",
    "token_subject": "user_id:%(target.token.user_id)s",
    # Tokens.
    "identity:validate_token": "rule:admin_required or rule:service_role or rule:token_subject",
    "identity:check_token": "rule:admin_required or rule:service_role or rule:token_subject",
    "identity:revoke_token": "rule:admin_required or rule:service_role or rule:token_subject",
    "identity:get_auth_catalog": "@",
    "identity:get_auth_projects": "@",
    "identity:get_auth_domains": "@",
    "identity:get_auth_system": "@",
    # Domains.
    "identity:get_domain": (f"{READER} or domain_id:%(target.domain.id)s "
                            f"or project_domain_id:%(target.domain.id)s"),
    "identity:list_domains": READER,
    "identity:create_domain": ADMIN,
    "identity:update_domain": ADMIN,
    "identity:delete_domain": ADMIN,
    # Projects and their tags.
    "identity:get_project": _PROJECT_READ,
    "identity:list_projects": _reader_or_domain("target.domain_id"),
    "identity:list_user_projects": (f"{_reader_or_domain('target.user.domain_id')} "
                                    f"or user_id:%(target.user.id)s"),
    "identity:create_project": _PROJECT_WRITE,
    "identity:update_project": _PROJECT_WRITE,
    "identity:delete_project": _PROJECT_WRITE,
    "identity:list_project_tags": _PROJECT_READ,
    "identity:get_project_tag": _PROJECT_READ,
    "identity:update_project_tags": f"{_PROJECT_WRITE} or (role:admin and "
                                    f"project_id:%(target.project.id)s)",
    "identity:create_project_tag": f"{_PROJECT_WRITE} or (role:admin and "
                                   f"project_id:%(target.project.id)s)",
    "identity:delete_project_tags": f"{_PROJECT_WRITE} or (role:admin and "
                                    f"project_id:%(target.project.id)s)",
    "identity:delete_project_tag": f"{_PROJECT_WRITE} or (role:admin and "
                                   f"project_id:%(target.project.id)s)",
    # Users and groups.
    "identity:get_user": (f"{_reader_or_domain('target.user.domain_id')} "
                          f"or user_id:%(target.user.id)s"),
    "identity:list_users": _reader_or_domain("target.domain_id"),
    "identity:create_user": _admin_or_domain("target.user.domain_id"),
    "identity:update_user": _admin_or_domain("target.user.domain_id"),
    "identity:delete_user": _admin_or_domain("target.user.domain_id"),
    "identity:change_password": SELF,
    "identity:list_groups_for_user": (f"{_reader_or_domain('target.user.domain_id')} "
                                      f"or user_id:%(target.user.id)s"),
    "identity:get_group": _reader_or_domain("target.group.domain_id"),
    "identity:list_groups": _reader_or_domain("target.domain_id"),
    "identity:create_group": _admin_or_domain("target.group.domain_id"),
    "identity:update_group": _admin_or_domain("target.group.domain_id"),
    "identity:delete_group": _admin_or_domain("target.group.domain_id"),
    "identity:list_users_in_group": _reader_or_domain("target.group.domain_id"),
    "identity:check_user_in_group": _reader_or_domain("target.group.domain_id"),
    "identity:add_user_to_group": (f"{ADMIN} or (role:admin and {DOMAIN_SCOPED} and "
                                   f"domain_id:%(target.group.domain_id)s and "
                                   f"domain_id:%(target.user.domain_id)s)"),
    "identity:remove_user_from_group": (f"{ADMIN} or (role:admin and {DOMAIN_SCOPED} and "
                                        f"domain_id:%(target.group.domain_id)s and "
                                        f"domain_id:%(target.user.domain_id)s)"),
    # Application credentials are their owner's.
    "identity:get_application_credential": SELF,
    "identity:list_application_credentials": SELF,
    "identity:create_application_credential": "user_id:%(target.user.id)s",
    "identity:delete_application_credential": SELF,
    # Roles: everyone who assigns roles needs to see them.
    "identity:get_role": f"{READER} or (role:reader and {DOMAIN_SCOPED})",
    "identity:list_roles": f"{READER} or (role:reader and {DOMAIN_SCOPED})",
    "identity:create_role": ADMIN,
    "identity:update_role": ADMIN,
    "identity:delete_role": ADMIN,
    "identity:get_domain_role": _reader_or_domain("target.role.domain_id"),
    "identity:list_domain_roles": _reader_or_domain("target.role.domain_id"),
    "identity:create_domain_role": ADMIN,
    "identity:update_domain_role": ADMIN,
    "identity:delete_domain_role": ADMIN,
    "identity:create_implied_role": ADMIN,
    "identity:get_implied_role": READER,
    "identity:list_implied_roles": READER,
    "identity:list_role_inference_rules": READER,
    "identity:delete_implied_role": ADMIN,
    "identity:check_implied_role": READER,
    # Grants and role assignments.
    "identity:create_grant": f"{ADMIN} or {_DOMAIN_GRANT_ADMIN}",
    "identity:revoke_grant": f"{ADMIN} or {_DOMAIN_GRANT_ADMIN}",
    "identity:check_grant": f"{READER} or {_DOMAIN_GRANT_READER}",
    "identity:list_grants": f"{READER} or {_DOMAIN_GRANT_READER}",
    "identity:list_role_assignments": _reader_or_domain("target.domain_id"),
    "identity:list_role_assignments_for_tree": (f"{READER} or (role:admin and "
                                                f"project_id:%(target.project.id)s)"),
    # Catalog: anyone may see regions; services, endpoints and the rest are for readers.
    "identity:get_region": "@",
    "identity:list_regions": "@",
    "identity:create_region": ADMIN,
    "identity:update_region": ADMIN,
    "identity:delete_region": ADMIN,
}
for _name in ("service", "endpoint", "policy", "endpoint_group"):
    CORE_RULES[f"identity:get_{_name}"] = READER
    CORE_RULES[f"identity:list_{'policies' if _name == 'policy' else _name + 's'}"] = READER
    CORE_RULES[f"identity:create_{_name}"] = ADMIN
    CORE_RULES[f"identity:update_{_name}"] = ADMIN
    CORE_RULES[f"identity:delete_{_name}"] = ADMIN
for _name in ("list_projects_associated_with_endpoint_group",
              "list_endpoints_associated_with_endpoint_group", "get_endpoint_group_in_project",
              "list_endpoint_groups_for_project", "check_endpoint_in_project",
              "list_endpoints_for_project", "list_projects_for_endpoint"):
    CORE_RULES[f"identity:{_name}"] = READER
for _name in ("add_endpoint_group_to_project", "remove_endpoint_group_from_project",
              "add_endpoint_to_project", "remove_endpoint_from_project"):
    CORE_RULES[f"identity:{_name}"] = ADMIN


# The extensions' rules join the core ones.
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
    # Keystone since OSSA-2025-002: signed requests are exchanged by services only.
    "service_or_admin": f"{ADMIN} or rule:service_role",
    "identity:ec2tokens_validate": "rule:service_or_admin",
    "identity:s3tokens_validate": "rule:service_or_admin",
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
