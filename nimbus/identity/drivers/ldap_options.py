"""The ``[ldap]`` options of a domain, with Keystone's names and defaults.

Values arrive as strings from a ``keystone.<domain>.conf`` file or as JSON values from the domain
configuration API; both are read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

SCOPES = ("one", "sub")
TRUE = {"1", "true", "yes", "on", "y", "t"}
FALSE = {"0", "false", "no", "off", "n", "f", ""}


class LdapOptionError(ValueError):
    """An ``[ldap]`` option has a value the driver cannot use."""


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise LdapOptionError(f"ldap.{name} must be a boolean, not {value!r}")


def _int(name: str, value: Any) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise LdapOptionError(f"ldap.{name} must be an integer, not {value!r}") from None


@dataclass(frozen=True)
class LdapOptions:
    url: str = "ldap://localhost"
    user: str | None = None
    password: str | None = None
    suffix: str = "cn=example,cn=com"
    query_scope: str = "one"
    page_size: int = 0
    connection_timeout: int = -1
    use_tls: bool = False
    tls_cacertfile: str | None = None
    tls_req_cert: str = "demand"
    user_tree_dn: str | None = None
    user_filter: str | None = None
    user_objectclass: str = "inetOrgPerson"
    user_id_attribute: str = "cn"
    user_name_attribute: str = "sn"
    user_description_attribute: str = "description"
    user_mail_attribute: str = "mail"
    user_enabled_attribute: str = "enabled"
    user_enabled_invert: bool = False
    user_enabled_mask: int = 0
    user_enabled_default: str = "True"
    user_enabled_emulation: bool = False
    user_enabled_emulation_dn: str | None = None
    user_default_project_id_attribute: str | None = None
    group_tree_dn: str | None = None
    group_filter: str | None = None
    group_objectclass: str = "groupOfNames"
    group_id_attribute: str = "cn"
    group_name_attribute: str = "ou"
    group_desc_attribute: str = "description"
    group_member_attribute: str = "member"
    group_members_are_ids: bool = False

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> LdapOptions:
        """Options from ``values``; unknown keys are ignored (Keystone has many we do not use)."""
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in values or values[f.name] is None:
                continue
            raw = values[f.name]
            if f.type == "bool":
                kwargs[f.name] = _bool(f.name, raw)
            elif f.type == "int":
                kwargs[f.name] = _int(f.name, raw)
            else:
                kwargs[f.name] = str(raw).strip()
        options = cls(**kwargs)
        if options.query_scope not in SCOPES:
            raise LdapOptionError(f"ldap.query_scope must be one of {SCOPES}")
        if not options.url.startswith(("ldap://", "ldaps://")):
            raise LdapOptionError("ldap.url must start with ldap:// or ldaps://")
        return options

    @property
    def users_dn(self) -> str:
        return self.user_tree_dn or f"ou=Users,{self.suffix}"

    @property
    def groups_dn(self) -> str:
        return self.group_tree_dn or f"ou=UserGroups,{self.suffix}"

    @property
    def enabled_emulation_dn(self) -> str:
        return self.user_enabled_emulation_dn or f"cn=enabled_users,{self.users_dn}"
