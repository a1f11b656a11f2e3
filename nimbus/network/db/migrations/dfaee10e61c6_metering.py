"""metering labels and their rules

Revision ID: dfaee10e61c6
Revises: 6c9384c9c9db
Create Date: 2026-12-07 08:32:19.102694
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'dfaee10e61c6'
down_revision = '6c9384c9c9db'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'network_metering_labels',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=1024), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_metering_labels')))
    with op.batch_alter_table('network_metering_labels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_metering_labels_project_id'),
                              ['project_id'], unique=False)
    op.create_table(
        'network_metering_label_rules',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('metering_label_id', sa.String(length=36), nullable=False),
        sa.Column('direction', sa.String(length=16), nullable=False),
        sa.Column('excluded', sa.Boolean(), nullable=False),
        sa.Column('remote_ip_prefix', sa.String(length=64), nullable=True),
        sa.Column('source_ip_prefix', sa.String(length=64), nullable=True),
        sa.Column('destination_ip_prefix', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['metering_label_id'], ['network_metering_labels.id'],
                                name=op.f('fk_network_metering_label_rules_metering_label_id'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_metering_label_rules')))
    with op.batch_alter_table('network_metering_label_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_metering_label_rules_metering_label_id'),
                              ['metering_label_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('network_metering_label_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_metering_label_rules_metering_label_id'))
    op.drop_table('network_metering_label_rules')
    with op.batch_alter_table('network_metering_labels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_metering_labels_project_id'))
    op.drop_table('network_metering_labels')
