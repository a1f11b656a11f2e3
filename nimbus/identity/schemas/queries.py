"""Query parameters of the identity API's reads, as the routes declare them.

Filters are matched as given (text); flags such as ``nocatalog`` count by their presence, and
``enabled``-like ones are read as Keystone reads booleans, so they are declared as text too.
Keystone pages users, groups, projects and domains with ``limit`` and ``marker`` only.
"""

from __future__ import annotations

from nimbus.core.api.paging import PAGING_QUERY
from nimbus.core.api.validation import Schema, query

TEXT: Schema = {"type": "string"}
_PAGING = {"limit": PAGING_QUERY["limit"], "marker": PAGING_QUERY["marker"]}


def text(*names: str) -> Schema:
    """A query of text parameters."""
    return query({name: TEXT for name in names})


def paged(*names: str) -> Schema:
    """A query of text filters plus Keystone's ``limit`` and ``marker``."""
    return query({**{name: TEXT for name in names}, **_PAGING})


USERS = paged("name", "domain_id", "enabled")
GROUPS = paged("name", "domain_id")
PROJECTS = paged("name", "domain_id", "enabled", "parent_id", "is_domain", "tags", "tags-any",
                 "not-tags", "not-tags-any")
DOMAINS = paged("name", "enabled")
USER_PROJECTS = text("name", "domain_id", "enabled")
PROJECT = text("parents_as_list", "parents_as_ids", "subtree_as_list", "subtree_as_ids")
ROLE_ASSIGNMENTS = text("user.id", "group.id", "role.id", "scope.project.id", "scope.domain.id",
                        "scope.system", "scope.OS-INHERIT:inherited_to", "effective",
                        "include_subtree", "include_names")
TOKEN_ISSUE = text("nocatalog")
TOKEN_CHECK = text("allow_expired", "nocatalog")
WEBSSO = text("origin")
