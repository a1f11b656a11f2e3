"""the default security group rules, seeded with Neutron's standard four

Revision ID: 24d80cf88bc5
Revises: f4ba5763dbab
Create Date: 2026-12-07 12:03:18.145835
"""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = '24d80cf88bc5'
down_revision = 'f4ba5763dbab'
branch_labels = None
depends_on = None


def upgrade() -> None:
    rules = op.create_table(
        'network_default_sg_rules',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('direction', sa.String(length=16), nullable=False),
        sa.Column('ethertype', sa.String(length=8), nullable=False),
        sa.Column('protocol', sa.String(length=40), nullable=True),
        sa.Column('port_range_min', sa.Integer(), nullable=True),
        sa.Column('port_range_max', sa.Integer(), nullable=True),
        sa.Column('remote_ip_prefix', sa.String(length=64), nullable=True),
        sa.Column('remote_group_id', sa.String(length=36), nullable=True),
        sa.Column('used_in_default_sg', sa.Boolean(), nullable=False),
        sa.Column('used_in_non_default_sg', sa.Boolean(), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_default_sg_rules')))
    # Every group may send anything; the project's default group also lets its own members
    # in ("PARENT": the group itself), as Neutron's defaults have it.
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    seeds = [("egress", "IPv4", None, True), ("egress", "IPv6", None, True),
             ("ingress", "IPv4", "PARENT", False), ("ingress", "IPv6", "PARENT", False)]
    op.bulk_insert(rules, [
        {'id': str(uuid.uuid4()), 'description': '', 'direction': direction,
         'ethertype': ethertype, 'protocol': None, 'port_range_min': None,
         'port_range_max': None, 'remote_ip_prefix': None, 'remote_group_id': remote,
         'used_in_default_sg': True, 'used_in_non_default_sg': others, 'revision_number': 1,
         # One microsecond apart: new groups get their rules in this order.
         'created_at': now + dt.timedelta(microseconds=i),
         'updated_at': now + dt.timedelta(microseconds=i)}
        for i, (direction, ethertype, remote, others) in enumerate(seeds)])


def downgrade() -> None:
    op.drop_table('network_default_sg_rules')
