"""server creation extras: reservation ids, passwords and disk config

Revision ID: e0a4b5c6d704
Revises: d9f3a4b5c603
Create Date: 2026-12-06 09:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e0a4b5c6d704'
down_revision = 'd9f3a4b5c603'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('compute_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_disk_config', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('launch_index', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('server_password', sa.Text(), nullable=True))
        batch_op.create_index('ix_compute_instances_reservation_id', ['reservation_id'],
                              unique=False)
    op.create_table('compute_quota_classes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('class_name', sa.String(length=255), nullable=False),
    sa.Column('resource', sa.String(length=255), nullable=False),
    sa.Column('hard_limit', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_quota_classes')),
    sa.UniqueConstraint('class_name', 'resource',
                        name=op.f('uq_compute_quota_classes_class_name_resource'))
    )
    op.create_table('compute_user_quotas',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('resource', sa.String(length=255), nullable=False),
    sa.Column('hard_limit', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_user_quotas')),
    sa.UniqueConstraint('project_id', 'user_id', 'resource',
                        name=op.f('uq_compute_user_quotas_project_id_user_id_resource'))
    )


def downgrade() -> None:
    op.drop_table('compute_user_quotas')
    op.drop_table('compute_quota_classes')
    with op.batch_alter_table('compute_instances', schema=None) as batch_op:
        batch_op.drop_index('ix_compute_instances_reservation_id')
        batch_op.drop_column('server_password')
        batch_op.drop_column('launch_index')
        batch_op.drop_column('auto_disk_config')
