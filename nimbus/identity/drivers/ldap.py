"""The LDAP identity driver: a domain's users and groups read from a directory (read-only).

Users are entries of ``user_objectclass`` under ``user_tree_dn``; groups are entries of
``group_objectclass`` under ``group_tree_dn`` whose ``group_member_attribute`` holds member DNs (or
user ids with ``group_members_are_ids``). A password is checked by binding as the user's DN.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import ldap3
from ldap3.core.exceptions import LDAPBindError, LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

from nimbus.core.errors import NotFound, ServiceUnavailable, Unauthorized
from nimbus.identity.drivers.base import DirectoryGroup, DirectoryUser, IdentityDriver
from nimbus.identity.drivers.ldap_options import LdapOptions

PAGED_RESULTS = "1.2.840.113556.1.4.319"
NO_SUCH_OBJECT = 32
TLS_MODES = {"demand": ssl.CERT_REQUIRED, "allow": ssl.CERT_OPTIONAL, "never": ssl.CERT_NONE}
Entry = tuple[str, dict[str, list[str]]]
T = TypeVar("T")


def _and(*parts: str | None) -> str:
    present = [p if p.startswith("(") else f"({p})" for p in parts if p]
    return present[0] if len(present) == 1 else f"(&{''.join(present)})"


def _eq(attribute: str, value: str) -> str:
    return f"({attribute}={escape_filter_chars(value)})"


def _first(attrs: dict[str, list[str]], name: str | None) -> str | None:
    values = attrs.get(name.lower(), []) if name else []
    return values[0] if values else None


class LdapIdentityDriver(IdentityDriver):
    read_only: ClassVar[bool] = True
    needs_id_mapping: ClassVar[bool] = True
    supports_security_compliance: ClassVar[bool] = False
    name: ClassVar[str] = "ldap"

    def __init__(self, domain_id: str, options: LdapOptions) -> None:
        self.domain_id = domain_id
        self.o = options
        self._conn: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_domain_config(cls, domain_id: str,
                           config: dict[str, dict[str, Any]]) -> LdapIdentityDriver:
        return cls(domain_id, LdapOptions.from_mapping(config.get("ldap", {})))

    # -- connections ------------------------------------------------------------------------
    def _server(self) -> ldap3.Server:
        tls = None
        if self.o.use_tls or self.o.url.startswith("ldaps://"):
            tls = ldap3.Tls(validate=TLS_MODES.get(self.o.tls_req_cert, ssl.CERT_REQUIRED),
                            ca_certs_file=self.o.tls_cacertfile)
        timeout = self.o.connection_timeout if self.o.connection_timeout > 0 else None
        return ldap3.Server(self.o.url, use_ssl=self.o.url.startswith("ldaps://"), tls=tls,
                            get_info=ldap3.NONE, connect_timeout=timeout)

    def _open(self, user: str | None, password: str | None, strategy: str) -> Any:
        auto_bind = ldap3.AUTO_BIND_TLS_BEFORE_BIND if self.o.use_tls else ldap3.AUTO_BIND_NO_TLS
        return ldap3.Connection(self._server(), user=user, password=password,
                                client_strategy=strategy, auto_bind=auto_bind,
                                read_only=True, raise_exceptions=False)

    def _with_admin(self, work: Callable[[Any], T]) -> T:
        """Run ``work`` on the shared service connection, reopened once if it broke."""
        for attempt in (1, 2):
            try:
                with self._lock:
                    if self._conn is None:
                        self._conn = self._open(self.o.user, self.o.password, ldap3.SAFE_SYNC)
                    conn = self._conn
                return work(conn)
            except LDAPException as exc:
                with self._lock:
                    self._conn = None
                if attempt == 2:
                    raise ServiceUnavailable(reason=f"The LDAP server of domain {self.domain_id} "
                                             f"is not usable: {type(exc).__name__}") from None
        raise AssertionError("unreachable")

    def _search(self, base: str, filt: str, attributes: list[str],
                scope: str | None = None) -> list[Entry]:
        scope = scope or (ldap3.LEVEL if self.o.query_scope == "one" else ldap3.SUBTREE)
        wanted = sorted({a for a in attributes if a})
        paged = self.o.page_size > 0 and scope != ldap3.BASE

        def run(conn: Any) -> list[Entry]:
            found: list[Entry] = []
            cookie: Any = None
            while True:
                paging = {"paged_size": self.o.page_size, "paged_cookie": cookie} if paged else {}
                ok, result, response, _ = conn.search(base, filt, scope, attributes=wanted,
                                                      auto_escape=False, **paging)
                if not ok and result.get("result") == NO_SUCH_OBJECT:
                    return []
                if not ok and result.get("result") != 0:
                    raise ServiceUnavailable(reason=f"LDAP search failed: "
                                             f"{result.get('description')}")
                for item in response or []:
                    if item.get("type") == "searchResEntry":
                        attrs = {str(k).lower(): [v.decode("utf-8", "replace") for v in vals]
                                 for k, vals in item.get("raw_attributes", {}).items()}
                        found.append((item["dn"], attrs))
                controls = result.get("controls") or {}
                cookie = controls.get(PAGED_RESULTS, {}).get("value", {}).get("cookie")
                if not paged or not cookie:
                    return found

        return self._with_admin(run)

    # -- users ------------------------------------------------------------------------------
    def _user_attributes(self) -> list[str]:
        o = self.o
        names = [o.user_id_attribute, o.user_name_attribute, o.user_mail_attribute,
                 o.user_description_attribute, o.user_default_project_id_attribute]
        if not o.user_enabled_emulation:
            names.append(o.user_enabled_attribute)
        return [n for n in names if n]

    def _user_filter(self, extra: str | None = None) -> str:
        return _and(f"objectClass={self.o.user_objectclass}", self.o.user_filter, extra)

    def _users(self, extra: str | None = None) -> list[Entry]:
        return self._search(self.o.users_dn, self._user_filter(extra), self._user_attributes())

    @staticmethod
    def _id_of(entry: Entry, attribute: str) -> str | None:
        """The entry's id: the RDN value when the id attribute names the RDN (as Keystone)."""
        dn, attrs = entry
        try:
            rdn_attr, rdn_value, _ = parse_dn(dn)[0]
        except (LDAPException, IndexError):
            rdn_attr, rdn_value = "", ""
        if rdn_attr.lower() == attribute.lower():
            return str(rdn_value)
        return _first(attrs, attribute)

    def _enabled_members(self) -> set[str]:
        """The lower-cased DNs (or ids) listed in the enabled-emulation group."""
        member = self.o.group_member_attribute
        rows = self._search(self.o.enabled_emulation_dn, "(objectClass=*)", [member],
                            scope=ldap3.BASE)
        return {m.lower() for m in rows[0][1].get(member.lower(), [])} if rows else set()

    def _enabled(self, entry: Entry, emulated: set[str] | None) -> bool:
        o = self.o
        if o.user_enabled_emulation:
            members = emulated if emulated is not None else self._enabled_members()
            key = self._id_of(entry, o.user_id_attribute) if o.group_members_are_ids else entry[0]
            return (key or "").lower() in members
        raw = _first(entry[1], o.user_enabled_attribute)
        value = raw if raw is not None else o.user_enabled_default
        if o.user_enabled_mask:
            try:
                enabled = not int(value) & o.user_enabled_mask
            except ValueError:
                enabled = True
        else:
            enabled = value.strip().lower() in ("true", "1", "yes")
        return enabled != o.user_enabled_invert

    def _to_user(self, entry: Entry, emulated: set[str] | None = None) -> DirectoryUser | None:
        user_id = self._id_of(entry, self.o.user_id_attribute)
        if not user_id:
            return None
        attrs = entry[1]
        return DirectoryUser(
            id=user_id, name=_first(attrs, self.o.user_name_attribute) or user_id,
            domain_id=self.domain_id, enabled=self._enabled(entry, emulated),
            default_project_id=_first(attrs, self.o.user_default_project_id_attribute),
            description=_first(attrs, self.o.user_description_attribute),
            email=_first(attrs, self.o.user_mail_attribute))

    def _user_entry(self, user_id: str) -> Entry:
        rows = self._users(_eq(self.o.user_id_attribute, user_id))
        if not rows:
            raise NotFound(resource="user", id=user_id)
        return rows[0]

    def get_user(self, user_id: str) -> DirectoryUser:
        user = self._to_user(self._user_entry(user_id))
        if user is None:
            raise NotFound(resource="user", id=user_id)
        return user

    def get_user_by_name(self, name: str, domain_id: str) -> DirectoryUser:
        for entry in self._users(_eq(self.o.user_name_attribute, name)):
            user = self._to_user(entry)
            if user is not None:
                return user
        raise NotFound(resource="user", id=name)

    def list_users(self, filters: dict[str, Any]) -> list[DirectoryUser]:
        name = filters.get("name")
        rows = self._users(_eq(self.o.user_name_attribute, str(name)) if name else None)
        emulated = self._enabled_members() if self.o.user_enabled_emulation else None
        users = [u for u in (self._to_user(e, emulated) for e in rows) if u is not None]
        if filters.get("enabled") is not None:
            users = [u for u in users if u.enabled == bool(filters["enabled"])]
        return sorted(users, key=lambda u: u.name)

    def authenticate(self, user_id: str, password: str) -> DirectoryUser:
        denied = Unauthorized("The request you have made requires authentication.")
        if not password:
            raise denied  # an empty password would be an anonymous bind, which always succeeds
        try:
            entry = self._user_entry(user_id)
        except NotFound:
            raise denied from None
        try:
            conn = self._open(entry[0], password, ldap3.SYNC)
        except LDAPBindError:
            raise denied from None
        except LDAPException as exc:
            raise ServiceUnavailable(reason=f"The LDAP server of domain {self.domain_id} is not "
                                     f"usable: {type(exc).__name__}") from None
        conn.unbind()
        user = self._to_user(entry)
        if user is None or not user.enabled:
            raise denied
        return user

    # -- groups -----------------------------------------------------------------------------
    def _group_filter(self, extra: str | None = None) -> str:
        return _and(f"objectClass={self.o.group_objectclass}", self.o.group_filter, extra)

    def _groups(self, extra: str | None = None, members: bool = False) -> list[Entry]:
        o = self.o
        attributes = [o.group_id_attribute, o.group_name_attribute, o.group_desc_attribute]
        if members:
            attributes.append(o.group_member_attribute)
        return self._search(o.groups_dn, self._group_filter(extra), attributes)

    def _to_group(self, entry: Entry) -> DirectoryGroup | None:
        group_id = self._id_of(entry, self.o.group_id_attribute)
        if not group_id:
            return None
        attrs = entry[1]
        return DirectoryGroup(id=group_id,
                              name=_first(attrs, self.o.group_name_attribute) or group_id,
                              domain_id=self.domain_id,
                              description=_first(attrs, self.o.group_desc_attribute) or "")

    def _group_entry(self, group_id: str, members: bool = False) -> Entry:
        rows = self._groups(_eq(self.o.group_id_attribute, group_id), members)
        if not rows:
            raise NotFound(resource="group", id=group_id)
        return rows[0]

    def get_group(self, group_id: str) -> DirectoryGroup:
        group = self._to_group(self._group_entry(group_id))
        if group is None:
            raise NotFound(resource="group", id=group_id)
        return group

    def list_groups(self, filters: dict[str, Any]) -> list[DirectoryGroup]:
        name = filters.get("name")
        rows = self._groups(_eq(self.o.group_name_attribute, str(name)) if name else None)
        return sorted((g for g in map(self._to_group, rows) if g is not None),
                      key=lambda g: g.name)

    def list_users_in_group(self, group_id: str) -> list[DirectoryUser]:
        entry = self._group_entry(group_id, members=True)
        emulated = self._enabled_members() if self.o.user_enabled_emulation else None
        users: list[DirectoryUser] = []
        for member in entry[1].get(self.o.group_member_attribute.lower(), []):
            if self.o.group_members_are_ids:
                rows = self._users(_eq(self.o.user_id_attribute, member))
            else:
                # A member DN may be any entry (groupOfNames needs one): keep only users.
                rows = self._search(member, self._user_filter(), self._user_attributes(),
                                    scope=ldap3.BASE)
            users += [u for u in (self._to_user(e, emulated) for e in rows[:1]) if u is not None]
        return sorted(users, key=lambda u: u.name)

    def list_groups_for_user(self, user_id: str) -> list[DirectoryGroup]:
        try:
            entry = self._user_entry(user_id)
        except NotFound:
            return []
        key = user_id if self.o.group_members_are_ids else entry[0]
        rows = self._groups(_eq(self.o.group_member_attribute, key))
        return sorted((g for g in map(self._to_group, rows) if g is not None),
                      key=lambda g: g.name)

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(LDAPException):
                conn.unbind()


DRIVER = LdapIdentityDriver
