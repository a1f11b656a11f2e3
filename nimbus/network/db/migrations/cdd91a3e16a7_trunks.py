"""trunks and their subports

Revision ID: cdd91a3e16a7
Revises: c959255bebb3
Create Date: 2026-12-07 10:52:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = 'cdd91a3e16a7'
down_revision = 'c959255bebb3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'network_trunks',
        sa.Column('admin_state_up', sa.Boolean(), nullable=False),
        sa.Column('port_id', sa.String(length=36), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['port_id'], ['network_ports.id'],
                                name=op.f('fk_network_trunks_port_id')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_trunks')),
        sa.UniqueConstraint('port_id', name=op.f('uq_network_trunks_port_id')))
    with op.batch_alter_table('network_trunks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_trunks_project_id'), ['project_id'],
                              unique=False)
    op.create_table(
        'network_trunk_subports',
        sa.Column('port_id', sa.String(length=36), nullable=False),
        sa.Column('trunk_id', sa.String(length=36), nullable=False),
        sa.Column('segmentation_type', sa.String(length=32), nullable=False),
        sa.Column('segmentation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['port_id'], ['network_ports.id'],
                                name=op.f('fk_network_trunk_subports_port_id')),
        sa.ForeignKeyConstraint(['trunk_id'], ['network_trunks.id'],
                                name=op.f('fk_network_trunk_subports_trunk_id'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('port_id', name=op.f('pk_network_trunk_subports')),
        sa.UniqueConstraint('trunk_id', 'segmentation_type', 'segmentation_id',
                            name='uq_network_trunk_subports_segment'))
    with op.batch_alter_table('network_trunk_subports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_trunk_subports_trunk_id'), ['trunk_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('network_trunk_subports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_trunk_subports_trunk_id'))
    op.drop_table('network_trunk_subports')
    with op.batch_alter_table('network_trunks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_trunks_project_id'))
    op.drop_table('network_trunks')
