"""Default policy rules under Glance's own names (its secure-RBAC defaults)."""

from __future__ import annotations

_MEMBER = "role:member and project_id:%(project_id)s"
_READER = "role:reader and project_id:%(project_id)s"
_ADMIN = "rule:context_is_admin"
# The image target carries owner (as project_id), visibility and, for a shared image the caller
# is a member of, the caller's project as member_id.
_REACHABLE = ("(project_id:%(project_id)s or project_id:%(member_id)s or "
              "'community':%(visibility)s or 'public':%(visibility)s or "
              "'shared':%(visibility)s)")

_ADMIN_OR_MEMBER = f"{_ADMIN} or ({_MEMBER})"
_ADMIN_OR_READER = f"{_ADMIN} or ({_READER})"
# Metadata definitions are a catalog: any reader may browse it (visibility filters the rest).
_METADEF_READ = f"{_ADMIN} or role:reader"

RULES: dict[str, str] = {
    "service_api": "role:service or role:admin",
    "add_image": f"{_ADMIN} or ({_MEMBER} and project_id:%(owner)s)",
    "delete_image": _ADMIN_OR_MEMBER,
    "get_image": f"{_ADMIN} or (role:reader and {_REACHABLE})",
    "get_images": _ADMIN_OR_READER,
    "modify_image": _ADMIN_OR_MEMBER,
    "publicize_image": _ADMIN,
    "communitize_image": _ADMIN_OR_MEMBER,
    "download_image": f"{_ADMIN} or (role:member and {_REACHABLE})",
    "upload_image": _ADMIN_OR_MEMBER,
    "delete_image_location": _ADMIN,
    "get_image_location": _ADMIN_OR_READER,
    "set_image_location": _ADMIN_OR_MEMBER,
    # The 2.17 location API: other services (and the owner) add; only services list.
    "add_image_location": f"role:service or {_ADMIN_OR_MEMBER}",
    "fetch_image_location": "role:service",
    "add_member": _ADMIN_OR_MEMBER,
    "delete_member": _ADMIN_OR_MEMBER,
    "get_member": f"{_ADMIN} or role:reader and (project_id:%(project_id)s or "
                  "project_id:%(member_id)s)",
    "get_members": f"{_ADMIN} or role:reader and (project_id:%(project_id)s or "
                   "project_id:%(member_id)s)",
    "modify_member": f"{_ADMIN} or (role:member and project_id:%(member_id)s)",
    "deactivate": _ADMIN_OR_MEMBER,
    "reactivate": _ADMIN_OR_MEMBER,
    "copy_image": _ADMIN,
    "manage_image_cache": _ADMIN,
    # The cache API of Glance 2.14+ (one rule per operation).
    "cache_image": _ADMIN,
    "cache_list": _ADMIN,
    "cache_delete": _ADMIN,
    "cache_clear": _ADMIN,
    "stores_info_detail": _ADMIN,
    "get_task": _ADMIN,
    "get_tasks": _ADMIN,
    "add_task": _ADMIN,
    "modify_task": _ADMIN,
    "tasks_api_access": _ADMIN,
    "get_metadef_namespace": _METADEF_READ,
    "get_metadef_namespaces": _METADEF_READ,
    "modify_metadef_namespace": _ADMIN,
    "add_metadef_namespace": _ADMIN,
    "delete_metadef_namespace": _ADMIN,
    "get_metadef_object": _METADEF_READ,
    "get_metadef_objects": _METADEF_READ,
    "modify_metadef_object": _ADMIN,
    "add_metadef_object": _ADMIN,
    "delete_metadef_object": _ADMIN,
    "list_metadef_resource_types": _METADEF_READ,
    "get_metadef_resource_type": _METADEF_READ,
    "add_metadef_resource_type_association": _ADMIN,
    "remove_metadef_resource_type_association": _ADMIN,
    "get_metadef_property": _METADEF_READ,
    "get_metadef_properties": _METADEF_READ,
    "modify_metadef_property": _ADMIN,
    "add_metadef_property": _ADMIN,
    "remove_metadef_property": _ADMIN,
    "get_metadef_tag": _METADEF_READ,
    "get_metadef_tags": _METADEF_READ,
    "modify_metadef_tag": _ADMIN,
    "add_metadef_tag": _ADMIN,
    "add_metadef_tags": _ADMIN,
    "delete_metadef_tag": _ADMIN,
    "delete_metadef_tags": _ADMIN,
}
