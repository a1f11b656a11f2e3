"""Names and fixed values the identity layers share (Keystone's own, where it has them)."""

from __future__ import annotations

# Domains are projects whose domain is this root (as in Keystone's SQL).
ROOT_DOMAIN = "<<keystone.domain.root>>"
DEFAULT_DOMAIN = "default"

# Global roles keep this domain id (not NULL) so the unique constraint holds on every backend.
GLOBAL = "<<null>>"
# The target id of system-scoped assignments.
SYSTEM = "system"
# Keystone's ``[assignment] prohibited_implied_role``: nothing may imply admin.
PROHIBITED_IMPLIED = ("admin",)

# Role assignment types: actor kind then target kind.
USER_PROJECT, GROUP_PROJECT = "UserProject", "GroupProject"
USER_DOMAIN, GROUP_DOMAIN = "UserDomain", "GroupDomain"
USER_SYSTEM, GROUP_SYSTEM = "UserSystem", "GroupSystem"

# Entity types of mapped (non-SQL) public ids.
USER, GROUP = "user", "group"

# Credential types with meaning to the identity service itself.
EC2 = "ec2"
TOTP = "totp"

# Endpoint interfaces.
INTERFACES = ("public", "internal", "admin")

# OS-FEDERATION mapping: user types and the conditions a remote rule may hold.
EPHEMERAL, LOCAL = "ephemeral", "local"
CONDITIONS = ("any_one_of", "not_any_of", "whitelist", "blacklist")

# Keystone's tag rules: at most this many per project.
MAX_TAGS = 80
