"""network segments, every network's own first one, and the segment a subnet is on

Revision ID: 343066ebf0b7
Revises: 698591a94a8c
Create Date: 2026-12-07 11:36:19.400236
"""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = '343066ebf0b7'
down_revision = '698591a94a8c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    segments = op.create_table(
        'network_segments',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('network_id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=True),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('network_type', sa.String(length=32), nullable=False),
        sa.Column('physical_network', sa.String(length=64), nullable=True),
        sa.Column('segmentation_id', sa.Integer(), nullable=True),
        sa.Column('segment_index', sa.Integer(), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['network_id'], ['network_networks.id'],
                                name=op.f('fk_network_segments_network_id'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_segments')))
    with op.batch_alter_table('network_segments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_segments_network_id'), ['network_id'],
                              unique=False)
    with op.batch_alter_table('network_subnets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('segment_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_network_subnets_segment_id'), ['segment_id'],
                              unique=False)
    # Every network that exists gets its own first segment, from its provider attributes.
    networks = sa.table('network_networks', sa.column('id', sa.String),
                        sa.column('network_type', sa.String),
                        sa.column('physical_network', sa.String),
                        sa.column('segmentation_id', sa.Integer))
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    rows = [{'id': str(uuid.uuid4()), 'network_id': net.id, 'name': None, 'description': '',
             'network_type': net.network_type or 'vxlan',
             'physical_network': net.physical_network,
             'segmentation_id': net.segmentation_id, 'segment_index': 0,
             'revision_number': 1, 'created_at': now, 'updated_at': now}
            for net in op.get_bind().execute(sa.select(networks))]
    if rows:
        op.bulk_insert(segments, rows)


def downgrade() -> None:
    with op.batch_alter_table('network_subnets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_subnets_segment_id'))
        batch_op.drop_column('segment_id')
    with op.batch_alter_table('network_segments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_segments_network_id'))
    op.drop_table('network_segments')
