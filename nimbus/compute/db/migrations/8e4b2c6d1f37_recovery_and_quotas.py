"""servers keep their request spec and in-flight snapshot image; per-project quotas

Revision ID: 8e4b2c6d1f37
Revises: 5c1e7a9d2b40
Create Date: 2026-12-07 09:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '8e4b2c6d1f37'
down_revision = '5c1e7a9d2b40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('compute_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_spec', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('snapshot_image_id', sa.String(length=36), nullable=True))
    op.create_table('compute_quotas',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('resource', sa.String(length=255), nullable=False),
    sa.Column('hard_limit', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_quotas')),
    sa.UniqueConstraint('project_id', 'resource',
                        name=op.f('uq_compute_quotas_project_id_resource'))
    )


def downgrade() -> None:
    op.drop_table('compute_quotas')
    with op.batch_alter_table('compute_instances', schema=None) as batch_op:
        batch_op.drop_column('snapshot_image_id')
        batch_op.drop_column('request_spec')
