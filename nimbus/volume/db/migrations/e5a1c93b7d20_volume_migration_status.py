"""a volume's migration status, for moves between backends

Revision ID: e5a1c93b7d20
Revises: d41c7e2a9b60
Create Date: 2026-12-07 18:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e5a1c93b7d20'
down_revision = 'd41c7e2a9b60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('migration_status', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.drop_column('migration_status')
