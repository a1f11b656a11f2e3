"""RBAC policies: who else may use a network, QoS policy, address scope or subnet pool

Revision ID: b4c00587ffbb
Revises: dfaee10e61c6
Create Date: 2026-12-07 08:36:58.591027
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b4c00587ffbb'
down_revision = 'dfaee10e61c6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'network_rbac_policies',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('object_type', sa.String(length=32), nullable=False),
        sa.Column('object_id', sa.String(length=36), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('target_project', sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_rbac_policies')),
        sa.UniqueConstraint('object_type', 'object_id', 'action', 'target_project',
                            name='uq_network_rbac_policies_grant'))
    with op.batch_alter_table('network_rbac_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_rbac_policies_object_id'), ['object_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_network_rbac_policies_project_id'),
                              ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('network_rbac_policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_rbac_policies_project_id'))
        batch_op.drop_index(batch_op.f('ix_network_rbac_policies_object_id'))
    op.drop_table('network_rbac_policies')
