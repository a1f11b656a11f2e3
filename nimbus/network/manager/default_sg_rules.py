"""The default security group rules (Neutron's ``security-groups-default-rules``): the
templates each new security group's rules are made from, an admin's to change.

A template says which groups get it: the project's ``default`` group, the others, or both;
its ``remote_group_id`` may only be ``PARENT``, the new group itself. It is checked as a rule
is, and no two templates are alike. Changing them changes new groups only.
"""

from __future__ import annotations

from typing import Any

from nimbus.core.db.base import iso
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import default_sg_rules as db
from nimbus.network.db import models
from nimbus.network.manager.listing import Filters, Hidden, with_items
from nimbus.network.manager.security_group_rules import checked_rule, rule_key
from nimbus.network.schemas.views import normalized_cidr


def view(row: models.DefaultSecurityGroupRule) -> dict[str, Any]:
    return {"id": row.id, "description": row.description, "direction": row.direction,
            "ethertype": row.ethertype, "protocol": row.protocol,
            "port_range_min": row.port_range_min, "port_range_max": row.port_range_max,
            "remote_ip_prefix": row.remote_ip_prefix, "remote_group_id": row.remote_group_id,
            "remote_address_group_id": None, "normalized_cidr": normalized_cidr(row.remote_ip_prefix),
            "used_in_default_sg": row.used_in_default_sg,
            "used_in_non_default_sg": row.used_in_non_default_sg,
            "revision_number": row.revision_number, "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at)}


class DefaultRuleManager:
    def __init__(self, database: Database) -> None:
        self.db = database

    def list_rules(self, query: PageQuery | None = None, filters: Filters | None = None,
                   hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            page = db.list_page(session, query or PageQuery(), filters or {}, hidden)
            return with_items(page, [view(r) for r in page.items])

    def get_rule(self, rule_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = db.get(session, rule_id)
            if row is None:
                raise nerr.DefaultSecurityGroupRuleNotFound(id=rule_id)
            return view(row)

    @retry_on_lock()
    def create_rule(self, attrs: dict[str, Any]) -> dict[str, Any]:
        remote = attrs.get("remote_group_id")
        if remote not in (None, db.PARENT):
            raise nerr.InvalidInput(error_message="remote_group_id of a default security "
                                    f"group rule may only be '{db.PARENT}' (the new group)")
        rule = checked_rule(attrs)
        with self.db.writer() as session:
            for other in db.every(session):
                if rule_key(other) == rule_key(rule):
                    raise nerr.DefaultSecurityGroupRuleExists(rule_id=other.id)
            row = models.DefaultSecurityGroupRule(
                **rule, used_in_default_sg=attrs.get("used_in_default_sg", True),
                used_in_non_default_sg=attrs.get("used_in_non_default_sg", True),
                revision_number=1)
            session.add(row)
            session.flush()
            return view(row)

    @retry_on_lock()
    def delete_rule(self, rule_id: str) -> None:
        with self.db.writer() as session:
            row = db.get(session, rule_id)
            if row is None:
                raise nerr.DefaultSecurityGroupRuleNotFound(id=rule_id)
            session.delete(row)
