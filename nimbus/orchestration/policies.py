"""Default policy rules under Heat's own names, so an operator's policy.yaml applies unchanged.

As Heat's defaults: a project's readers read its stacks, members change them, and a
stack's own domain users (software deployments) may signal; a few types and the service list
are for administrators.
"""

from __future__ import annotations

READER = "rule:admin_or_reader"
MEMBER = "rule:admin_or_member"
ADMIN = "rule:admin_required"

_READ = ["stacks:index", "stacks:detail", "stacks:show", "stacks:lookup", "stacks:template",
         "stacks:environment", "stacks:files", "stacks:list_outputs", "stacks:show_output",
         "stacks:list_resource_types", "stacks:list_template_versions",
         "stacks:list_template_functions", "stacks:resource_schema",
         "stacks:generate_template", "stacks:list_snapshots", "stacks:show_snapshot",
         "stacks:export", "resource:index", "resource:show", "resource:metadata",
         "events:index", "events:show", "software_configs:index", "software_configs:show",
         "software_deployments:index", "software_deployments:show",
         "software_deployments:metadata", "build_info:build_info", "stacks:validate_template"]
_WRITE = ["stacks:create", "stacks:update", "stacks:update_patch", "stacks:delete",
          "stacks:abandon", "stacks:preview", "stacks:preview_update",
          "stacks:preview_update_patch", "stacks:snapshot", "stacks:delete_snapshot",
          "stacks:restore_snapshot", "resource:signal", "resource:mark_unhealthy",
          "actions:action", "actions:suspend", "actions:resume", "actions:check",
          "actions:cancel_update", "actions:cancel_without_rollback",
          "software_configs:create", "software_configs:delete",
          "software_deployments:create", "software_deployments:update",
          "software_deployments:delete", "cloudformation:CreateStack",
          "cloudformation:DeleteStack", "cloudformation:UpdateStack"]

RULES: dict[str, str] = {
    **{name: READER for name in _READ},
    **{name: MEMBER for name in _WRITE},
    "cloudformation:DescribeStacks": READER,
    "cloudformation:DescribeStackEvents": READER,
    "cloudformation:DescribeStackResources": READER,
    "cloudformation:DescribeStackResource": READER,
    "cloudformation:ListStackResources": READER,
    "cloudformation:CancelUpdateStack": MEMBER,
    "cloudformation:ListStacks": READER,
    "cloudformation:GetTemplate": READER,
    "cloudformation:ValidateTemplate": READER,
    "stacks:global_index": ADMIN,
    "service:index": ADMIN,
    "resource_types:OS::Nova::Flavor": ADMIN,
    "resource_types:OS::Keystone::Project": ADMIN,
    "resource_types:OS::Keystone::User": ADMIN,
    "resource_types:OS::Keystone::Role": ADMIN,
}
