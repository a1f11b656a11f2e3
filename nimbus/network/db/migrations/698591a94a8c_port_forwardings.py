"""floating IPs' port forwardings

Revision ID: 698591a94a8c
Revises: cdd91a3e16a7
Create Date: 2026-12-07 11:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '698591a94a8c'
down_revision = 'cdd91a3e16a7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'network_port_forwardings',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('floatingip_id', sa.String(length=36), nullable=False),
        sa.Column('protocol', sa.String(length=16), nullable=False),
        sa.Column('external_port_start', sa.Integer(), nullable=False),
        sa.Column('external_port_end', sa.Integer(), nullable=False),
        sa.Column('internal_port_id', sa.String(length=36), nullable=False),
        sa.Column('internal_ip_address', sa.String(length=64), nullable=False),
        sa.Column('internal_port_start', sa.Integer(), nullable=False),
        sa.Column('internal_port_end', sa.Integer(), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['floatingip_id'], ['network_floating_ips.id'],
                                name=op.f('fk_network_port_forwardings_floatingip_id'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['internal_port_id'], ['network_ports.id'],
                                name=op.f('fk_network_port_forwardings_internal_port_id'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_port_forwardings')))
    with op.batch_alter_table('network_port_forwardings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_port_forwardings_floatingip_id'),
                              ['floatingip_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_port_forwardings_internal_port_id'),
                              ['internal_port_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('network_port_forwardings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_port_forwardings_internal_port_id'))
        batch_op.drop_index(batch_op.f('ix_network_port_forwardings_floatingip_id'))
    op.drop_table('network_port_forwardings')
