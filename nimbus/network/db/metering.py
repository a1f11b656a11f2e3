"""Queries on metering labels and their rules."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from nimbus.core.db.paging import Page, PageQuery
from nimbus.network.db.listing import Flag, Listing, Text, page_of
from nimbus.network.db.models import MeteringLabel, MeteringLabelRule

LABELS = Listing({
    "id": Text(MeteringLabel.id), "name": Text(MeteringLabel.name),
    "description": Text(MeteringLabel.description),
    "project_id": Text(MeteringLabel.project_id), "tenant_id": Text(MeteringLabel.project_id),
    "shared": Flag(MeteringLabel.shared),
})

RULES = Listing({
    "id": Text(MeteringLabelRule.id),
    "metering_label_id": Text(MeteringLabelRule.metering_label_id),
    "direction": Text(MeteringLabelRule.direction),
    "excluded": Flag(MeteringLabelRule.excluded),
    "remote_ip_prefix": Text(MeteringLabelRule.remote_ip_prefix),
    "source_ip_prefix": Text(MeteringLabelRule.source_ip_prefix),
    "destination_ip_prefix": Text(MeteringLabelRule.destination_ip_prefix),
})


def label(session: Session, label_id: str) -> MeteringLabel | None:
    return session.get(MeteringLabel, label_id)


def rule(session: Session, rule_id: str) -> MeteringLabelRule | None:
    return session.get(MeteringLabelRule, rule_id)


def list_labels(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
                hidden: Collection[str]) -> Page[MeteringLabel]:
    return page_of(session, select(MeteringLabel), LABELS, query, filters, hidden)


def list_rules(session: Session, query: PageQuery, filters: Mapping[str, Sequence[str]],
               hidden: Collection[str]) -> Page[MeteringLabelRule]:
    return page_of(session, select(MeteringLabelRule), RULES, query, filters, hidden)


def rules_of(session: Session, label_id: str) -> list[MeteringLabelRule]:
    return list(session.scalars(select(MeteringLabelRule).where(
        MeteringLabelRule.metering_label_id == label_id).order_by(MeteringLabelRule.id)))
