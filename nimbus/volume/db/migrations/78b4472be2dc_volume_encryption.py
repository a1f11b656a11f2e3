"""volume encryption: a type's encryption, a volume's and a snapshot's key, and the keys

Revision ID: 78b4472be2dc
Revises: 5e2c81a07d3f
Create Date: 2026-12-07 07:08:36.899604
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = '78b4472be2dc'
down_revision = '5e2c81a07d3f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'volume_keys',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('wrapped', sa.String(length=512), nullable=False),
        sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_keys')))
    with op.batch_alter_table('volume_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encryption_key_id', sa.String(length=36), nullable=True))
    with op.batch_alter_table('volume_types', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encryption', sa.JSON(), nullable=True))
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encryption_key_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('encryption', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.drop_column('encryption')
        batch_op.drop_column('encryption_key_id')
    with op.batch_alter_table('volume_types', schema=None) as batch_op:
        batch_op.drop_column('encryption')
    with op.batch_alter_table('volume_snapshots', schema=None) as batch_op:
        batch_op.drop_column('encryption_key_id')
    op.drop_table('volume_keys')
