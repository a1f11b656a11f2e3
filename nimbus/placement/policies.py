"""Placement's default policy: its own rule names and its current defaults.

As upstream, every rule is for project-scoped tokens only (a system-scoped token is refused),
most need an admin or the service role, the reshaper only the service role, and a project's
reader may see its own project's usage totals.
"""

from __future__ import annotations

ADMIN_OR_SERVICE = "rule:admin_or_service_api and rule:project_scope_api"
SERVICE = "rule:service_api and rule:project_scope_api"
ADMIN_OR_PROJECT_READER_OR_SERVICE = ("rule:admin_or_project_reader_or_service_api and "
                                      "rule:project_scope_api")

_ACTIONS = [
    "resource_providers:list", "resource_providers:create", "resource_providers:show",
    "resource_providers:update", "resource_providers:delete",
    "resource_providers:inventories:list", "resource_providers:inventories:create",
    "resource_providers:inventories:show", "resource_providers:inventories:update",
    "resource_providers:inventories:delete",
    "resource_providers:aggregates:list", "resource_providers:aggregates:update",
    "resource_providers:usages", "resource_providers:allocations:list",
    "resource_providers:traits:list", "resource_providers:traits:update",
    "resource_providers:traits:delete",
    "resource_classes:list", "resource_classes:create", "resource_classes:show",
    "resource_classes:update", "resource_classes:delete",
    "traits:list", "traits:show", "traits:update", "traits:delete",
    "allocations:list", "allocations:manage", "allocations:update", "allocations:delete",
    "allocation_candidates:list",
]

RULES: dict[str, str] = {
    "admin_api": "role:admin",
    "service_api": "role:service",
    "admin_or_service_api": "role:admin or role:service",
    "project_reader_api": "role:reader and project_id:%(project_id)s",
    "admin_or_project_reader_or_service_api":
        "role:admin or rule:project_reader_api or role:service",
    # Placement's rules take project-scoped tokens only.
    "project_scope_api": "not system_scope:all",
    **{f"placement:{action}": ADMIN_OR_SERVICE for action in _ACTIONS},
    "placement:usages": ADMIN_OR_PROJECT_READER_OR_SERVICE,
    "placement:reshaper:reshape": SERVICE,
}
