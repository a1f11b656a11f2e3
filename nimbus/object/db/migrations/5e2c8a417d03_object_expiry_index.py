"""object expiry index

Revision ID: 5e2c8a417d03
Revises: db1a4ce62d39
Create Date: 2026-12-02 10:12:40.118204
"""
from __future__ import annotations

from alembic import op

revision = '5e2c8a417d03'
down_revision = 'db1a4ce62d39'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('object_objects', schema=None) as batch_op:
        batch_op.create_index('ix_object_objects_delete_at', ['delete_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('object_objects', schema=None) as batch_op:
        batch_op.drop_index('ix_object_objects_delete_at')
