"""backups: copies of volumes' data in the object store (Cinder's backups)

Revision ID: 3c70f1e039de
Revises: 1eb6be507aaa
Create Date: 2026-12-07 14:31:11.424621
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = '3c70f1e039de'
down_revision = '1eb6be507aaa'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('volume_backups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('volume_id', sa.String(length=36), nullable=False),
    sa.Column('snapshot_id', sa.String(length=36), nullable=True),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('fail_reason', sa.String(length=255), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('object_count', sa.Integer(), nullable=False),
    sa.Column('availability_zone', sa.String(length=255), nullable=True),
    sa.Column('container', sa.String(length=255), nullable=True),
    sa.Column('service_metadata', sa.String(length=255), nullable=True),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('data_timestamp', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('metadata', sa.JSON(), nullable=False),
    sa.Column('restore_volume_id', sa.String(length=36), nullable=True),
    sa.Column('temp_snapshot_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_backups'))
    )
    with op.batch_alter_table('volume_backups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volume_backups_parent_id'), ['parent_id'],
                              unique=False)
        batch_op.create_index('ix_volume_backups_project', ['project_id', 'created_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_volume_backups_volume_id'), ['volume_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('volume_backups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volume_backups_volume_id'))
        batch_op.drop_index('ix_volume_backups_project')
        batch_op.drop_index(batch_op.f('ix_volume_backups_parent_id'))

    op.drop_table('volume_backups')
