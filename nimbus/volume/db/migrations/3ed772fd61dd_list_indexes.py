"""indexes for volume lists: a project's volumes in their default order (the id added to the
old index, which left ties to a sort), by status and by name; every project's in order

Revision ID: 3ed772fd61dd
Revises: e5a1c93b7d20
Create Date: 2026-12-08 03:48:54.158318
"""
from __future__ import annotations

from alembic import op

revision = '3ed772fd61dd'
down_revision = 'e5a1c93b7d20'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.drop_index('ix_volume_volumes_project')
        batch_op.create_index('ix_volume_volumes_project', ['project_id', 'created_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_volume_volumes_project_status',
                              ['project_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_volume_volumes_project_name',
                              ['project_id', 'name', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_volume_volumes_created', ['created_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.drop_index('ix_volume_volumes_created')
        batch_op.drop_index('ix_volume_volumes_project_name')
        batch_op.drop_index('ix_volume_volumes_project_status')
        batch_op.drop_index('ix_volume_volumes_project')
        batch_op.create_index('ix_volume_volumes_project', ['project_id', 'created_at'],
                              unique=False)
