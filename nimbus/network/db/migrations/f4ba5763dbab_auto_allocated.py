"""auto-allocated topologies, and the default external network

Revision ID: f4ba5763dbab
Revises: 343066ebf0b7
Create Date: 2026-12-07 11:52:35.458550
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'f4ba5763dbab'
down_revision = '343066ebf0b7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'network_auto_allocated_topologies',
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('network_id', sa.String(length=36), nullable=False),
        sa.Column('router_id', sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(['network_id'], ['network_networks.id'],
                                name=op.f('fk_network_auto_allocated_topologies_network_id'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('project_id', name=op.f('pk_network_auto_allocated_topologies')))
    with op.batch_alter_table('network_auto_allocated_topologies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_auto_allocated_topologies_network_id'),
                              ['network_id'], unique=False)
    # No network is the default external one until an operator (or the first start) says so.
    with op.batch_alter_table('network_networks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_default', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('network_networks', schema=None) as batch_op:
        batch_op.drop_column('is_default')
    with op.batch_alter_table('network_auto_allocated_topologies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_auto_allocated_topologies_network_id'))
    op.drop_table('network_auto_allocated_topologies')
