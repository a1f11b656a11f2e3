"""admin metadata and snapshot order: what only the cloud may set on a volume (an extend
awaiting its host), and which of a volume's snapshots is its latest

Revision ID: 5e2c81a07d3f
Revises: 3b7d9e21c4a5
Create Date: 2026-12-06 18:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '5e2c81a07d3f'
down_revision = '3b7d9e21c4a5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('admin_metadata', sa.JSON(), nullable=False,
                                      server_default='{}'))
    with op.batch_alter_table('volume_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('generation', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('volume_snapshots', schema=None) as batch_op:
        batch_op.drop_column('generation')
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.drop_column('admin_metadata')
