"""Domain-specific configuration: per-domain identity driver and LDAP options, as Keystone.

Only the ``identity`` and ``ldap`` groups may be set, and only the options Keystone allows in
them. Sensitive options (the LDAP bind password) are stored but never shown through the API;
``effective()`` gives the driver layer everything, defaults included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.errors import Forbidden, NotFound
from nimbus.identity.db import domain_configs as q
from nimbus.identity.db.models import DomainConfigOption

# Defaults as Keystone's own configuration declares them (None where Keystone has no default).
DEFAULTS: dict[str, dict[str, Any]] = {
    "identity": {"driver": "sql", "list_limit": None},
    "ldap": {
        "url": "ldap://localhost", "user": None, "suffix": "cn=example,cn=com",
        "query_scope": "one", "page_size": 0, "alias_dereferencing": "default",
        "debug_level": None, "chase_referrals": None,
        "user_tree_dn": None, "user_filter": None, "user_objectclass": "inetOrgPerson",
        "user_id_attribute": "cn", "user_name_attribute": "sn",
        "user_mail_attribute": "mail", "user_description_attribute": "description",
        "user_pass_attribute": "userPassword", "user_enabled_attribute": "enabled",
        "user_enabled_invert": False, "user_enabled_mask": 0, "user_enabled_default": "True",
        "user_attribute_ignore": ["default_project_id"],
        "user_default_project_id_attribute": None, "user_enabled_emulation": False,
        "user_enabled_emulation_dn": None, "user_enabled_emulation_use_group_config": False,
        "user_additional_attribute_mapping": [],
        "group_tree_dn": None, "group_filter": None, "group_objectclass": "groupOfNames",
        "group_id_attribute": "cn", "group_name_attribute": "ou",
        "group_members_are_ids": False, "group_member_attribute": "member",
        "group_desc_attribute": "description", "group_attribute_ignore": [],
        "group_additional_attribute_mapping": [],
        "tls_cacertfile": None, "tls_cacertdir": None, "use_tls": False,
        "tls_req_cert": "demand", "use_pool": True, "pool_size": 10, "pool_retry_max": 3,
        "pool_retry_delay": 0.1, "pool_connection_timeout": -1,
        "pool_connection_lifetime": 600, "use_auth_pool": True, "auth_pool_size": 100,
        "auth_pool_connection_lifetime": 60,
    },
}
SENSITIVE: dict[str, set[str]] = {"identity": set(), "ldap": {"password"}}

Config = dict[str, dict[str, Any]]


def _invalid(reason: str) -> Forbidden:
    # Keystone's InvalidDomainConfig is a 403.
    return Forbidden(f"Invalid domain specific configuration: {reason}.")


def validate(config: Any, group: str | None = None, option: str | None = None) -> Config:
    """``config`` if every group and option in it may be set (narrowed to ``group``/``option``)."""
    if not isinstance(config, dict) or not config:
        raise _invalid("the configuration is empty")
    if option is not None:
        if set(config) != {option}:
            raise _invalid(f"trying to update option {option} in group {group}, so that, and "
                           f"only that, option must be specified in the config")
        config = {str(group): config}
    elif group is not None and set(config) != {group}:
        raise _invalid(f"trying to update group {group}, so that, and only that, group must be "
                       f"specified in the config")
    for name, options in config.items():
        if name not in DEFAULTS:
            raise _invalid(f"group {name} is not supported for domain specific configurations")
        if not isinstance(options, dict) or not options:
            raise _invalid(f"group {name} must hold at least one option")
        allowed = set(DEFAULTS[name]) | SENSITIVE[name]
        for opt in options:
            if opt not in allowed:
                raise _invalid(f"option {opt} in group {name} is not supported for domain "
                               f"specific configurations")
    return config


class DomainConfigManager:
    def __init__(self, db: Database) -> None:
        self.db = db
        # Called with the domain id after every write, so drivers built from a domain's config
        # (LDAP) are rebuilt at once in this process rather than at their next refresh.
        self.listeners: list[Callable[[str], None]] = []

    def _changed(self, domain_id: str) -> None:
        for listener in self.listeners:
            listener(domain_id)

    def _rows(self, domain_id: str) -> list[DomainConfigOption]:
        with self.db.reader() as s:
            return q.options_of(s, domain_id)

    def get(self, domain_id: str, group: str | None = None, option: str | None = None,
            sensitive: bool = False) -> Config:
        """The stored config (whitelisted options only unless ``sensitive``); 404 if none."""
        out: Config = {}
        for row in self._rows(domain_id):
            if row.sensitive and not sensitive:
                continue
            out.setdefault(row.group, {})[row.option] = row.value.get("v")
        if group is not None:
            if group not in DEFAULTS:
                raise _invalid(f"group {group} is not supported for domain specific "
                               f"configurations")
            out = {group: out[group]} if group in out else {}
            if option is not None:
                if option not in out.get(group, {}):
                    raise NotFound(f"Could not find config option {option} in group {group} of "
                                   f"domain {domain_id}.")
                return {group: {option: out[group][option]}}
        if not out:
            raise NotFound(f"Could not find config group {group} for domain {domain_id}." if group
                           else f"Could not find domain config for domain {domain_id}.")
        return out

    def effective(self, domain_id: str) -> Config:
        """Defaults overlaid with the domain's options, sensitive ones included (for drivers)."""
        out: Config = {g: dict(opts) for g, opts in DEFAULTS.items()}
        for row in self._rows(domain_id):
            out.setdefault(row.group, {})[row.option] = row.value.get("v")
        return out

    def has_config(self, domain_id: str) -> bool:
        with self.db.reader() as s:
            return q.has_options(s, domain_id)

    def effective_if_set(self, domain_id: str) -> Config | None:
        """``effective()`` for a domain configured through the API; None for any other."""
        return self.effective(domain_id) if self.has_config(domain_id) else None

    @retry_on_lock()
    def replace(self, domain_id: str, config: Config) -> bool:
        """Set the whole config; True if the domain had none before."""
        validate(config)
        with self.db.writer() as s:
            had = q.has_options(s, domain_id)
            q.delete_options(s, domain_id)
            self._write(s, domain_id, config)
        self._changed(domain_id)
        return not had

    @retry_on_lock()
    def update(self, domain_id: str, config: Any, group: str | None = None,
               option: str | None = None) -> None:
        config = validate(config, group, option)
        self.get(domain_id, group, option, sensitive=True)
        with self.db.writer() as s:
            self._write(s, domain_id, config)
        self._changed(domain_id)

    @staticmethod
    def _write(s: Session, domain_id: str, config: Config) -> None:
        for group, options in config.items():
            for option, value in options.items():
                row = s.get(DomainConfigOption, (domain_id, group, option))
                if row is None:
                    row = DomainConfigOption(domain_id=domain_id, group=group, option=option,
                                             sensitive=option in SENSITIVE[group])
                    s.add(row)
                row.value = {"v": value}

    @retry_on_lock()
    def delete(self, domain_id: str, group: str | None = None, option: str | None = None) -> None:
        self.get(domain_id, group, option, sensitive=True)
        with self.db.writer() as s:
            q.delete_options(s, domain_id, group, option)
        self._changed(domain_id)

    def default(self, group: str | None = None, option: str | None = None) -> dict[str, Any]:
        """Keystone's defaults for the groups a domain may override (never sensitive ones)."""
        if group is None:
            return {g: dict(opts) for g, opts in DEFAULTS.items()}
        if group not in DEFAULTS:
            raise _invalid(f"group {group} is not supported for domain specific configurations")
        if option is None:
            return {group: dict(DEFAULTS[group])}
        if option not in DEFAULTS[group]:
            raise _invalid(f"reading the default for option {option} in group {group} is not "
                           f"supported")
        return {option: DEFAULTS[group][option]}
