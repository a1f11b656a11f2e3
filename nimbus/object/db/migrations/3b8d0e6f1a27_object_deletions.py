"""object deletions, for container sync

Revision ID: 3b8d0e6f1a27
Revises: 7c3f1a9d2e54
Create Date: 2026-12-07 21:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '3b8d0e6f1a27'
down_revision = '7c3f1a9d2e54'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'object_deletions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('container_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=1024), nullable=False),
        sa.Column('deleted_ts', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['container_id'], ['object_containers.id'],
                                name=op.f('fk_object_deletions_container_id'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_object_deletions')),
    )
    op.create_index('ix_object_deletions_container_ts', 'object_deletions',
                    ['container_id', 'deleted_ts'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_object_deletions_container_ts', table_name='object_deletions')
    op.drop_table('object_deletions')
