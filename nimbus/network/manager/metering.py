"""Metering labels and their rules (Neutron's ``metering``), an admin's tools.

A label counts the traffic its rules select on the routers of its project (of every project,
when shared). A rule names a direction and prefixes: ``remote_ip_prefix``, or the newer
``source_ip_prefix`` and ``destination_ip_prefix`` (not both kinds); ``excluded`` leaves its
traffic out of the count. Two rules of a label with the same direction and exclusion do not
cover overlapping remote prefixes. The routers' namespaces count (``drivers/linux/
metering.py``), and the network agent reports the counts as ``l3.meter`` notifications.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from nimbus.core.api.context import RequestContext
from nimbus.core.db.engine import Database, retry_on_lock
from nimbus.core.db.paging import Page, PageQuery
from nimbus.network import errors as nerr
from nimbus.network.db import metering as db
from nimbus.network.db import models
from nimbus.network.manager.listing import Filters, Hidden, with_items


def label_view(row: models.MeteringLabel) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "description": row.description,
            "project_id": row.project_id, "tenant_id": row.project_id, "shared": row.shared}


def rule_view(row: models.MeteringLabelRule) -> dict[str, Any]:
    return {"id": row.id, "metering_label_id": row.metering_label_id,
            "direction": row.direction, "excluded": row.excluded,
            "remote_ip_prefix": row.remote_ip_prefix,
            "source_ip_prefix": row.source_ip_prefix,
            "destination_ip_prefix": row.destination_ip_prefix}


class MeteringManager:
    def __init__(self, database: Database) -> None:
        self.db = database

    # -- labels --------------------------------------------------------------------------------
    def list_labels(self, query: PageQuery | None = None, filters: Filters | None = None,
                    hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            page = db.list_labels(session, query or PageQuery(), filters or {}, hidden)
            return with_items(page, [label_view(r) for r in page.items])

    def get_label(self, label_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            return label_view(self._label(session, label_id))

    @retry_on_lock()
    def create_label(self, ctx: RequestContext, attrs: dict[str, Any]) -> dict[str, Any]:
        project = attrs.get("project_id") or attrs.get("tenant_id") or ctx.project_id or ""
        with self.db.writer() as session:
            row = models.MeteringLabel(project_id=project, name=attrs.get("name") or "",
                                       description=attrs.get("description") or "",
                                       shared=bool(attrs.get("shared", False)))
            session.add(row)
            session.flush()
            return label_view(row)

    @retry_on_lock()
    def delete_label(self, label_id: str) -> None:
        with self.db.writer() as session:
            row = self._label(session, label_id)
            for rule in db.rules_of(session, row.id):
                session.delete(rule)
            # The rules first: the label's row may take them with it (ON DELETE CASCADE).
            session.flush()
            session.delete(row)

    @staticmethod
    def _label(session: Any, label_id: str) -> models.MeteringLabel:
        row = db.label(session, label_id)
        if row is None:
            raise nerr.MeteringLabelNotFound(label_id=label_id)
        return row

    # -- rules ---------------------------------------------------------------------------------
    def list_rules(self, query: PageQuery | None = None, filters: Filters | None = None,
                   hidden: Hidden = ()) -> Page[dict[str, Any]]:
        with self.db.reader() as session:
            page = db.list_rules(session, query or PageQuery(), filters or {}, hidden)
            return with_items(page, [rule_view(r) for r in page.items])

    def get_rule(self, rule_id: str) -> dict[str, Any]:
        with self.db.reader() as session:
            row = db.rule(session, rule_id)
            if row is None:
                raise nerr.MeteringLabelRuleNotFound(rule_id=rule_id)
            return rule_view(row)

    @retry_on_lock()
    def create_rule(self, attrs: dict[str, Any]) -> dict[str, Any]:
        remote = attrs.get("remote_ip_prefix")
        source, destination = attrs.get("source_ip_prefix"), attrs.get("destination_ip_prefix")
        if remote and (source or destination):
            raise nerr.BadRequest(
                resource="metering_label_rule",
                msg="Cannot use 'remote-ip-prefix' in conjunction with 'source-ip-prefix' or "
                    "'destination-ip-prefix'")
        if not (remote or source or destination):
            raise nerr.BadRequest(
                resource="metering_label_rule",
                msg="You must define at least one of the following parameters "
                    "'remote_ip_prefix', or 'source_ip_prefix' or 'destination_ip_prefix'")
        with self.db.writer() as session:
            label = self._label(session, str(attrs["metering_label_id"]))
            excluded = bool(attrs.get("excluded", False))
            if remote:
                mine = ipaddress.ip_network(remote, strict=False)
                for other in db.rules_of(session, label.id):
                    if other.remote_ip_prefix and other.direction == attrs["direction"] and \
                            other.excluded == excluded and _overlap(
                                mine, ipaddress.ip_network(other.remote_ip_prefix)):
                        raise nerr.MeteringLabelRuleOverlaps(remote_ip_prefix=remote)
            row = models.MeteringLabelRule(metering_label_id=label.id,
                                           direction=attrs["direction"], excluded=excluded,
                                           remote_ip_prefix=remote, source_ip_prefix=source,
                                           destination_ip_prefix=destination)
            session.add(row)
            session.flush()
            return rule_view(row)

    @retry_on_lock()
    def delete_rule(self, rule_id: str) -> None:
        with self.db.writer() as session:
            row = db.rule(session, rule_id)
            if row is None:
                raise nerr.MeteringLabelRuleNotFound(rule_id=rule_id)
            session.delete(row)


def _overlap(a: ipaddress.IPv4Network | ipaddress.IPv6Network,
             b: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return a.version == b.version and a.overlaps(b)  # type: ignore[arg-type]
