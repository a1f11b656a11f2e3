"""object sysmeta

Revision ID: 7c3f1a9d2e54
Revises: 5e2c8a417d03
Create Date: 2026-12-07 18:10:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '7c3f1a9d2e54'
down_revision = '5e2c8a417d03'
branch_labels = None
depends_on = None

_TABLES = ('object_accounts', 'object_containers', 'object_objects')


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('sysmeta', sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in reversed(_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('sysmeta')
