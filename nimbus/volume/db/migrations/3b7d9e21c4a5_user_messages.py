"""user messages: what went wrong with a volume or snapshot after the API answered

Revision ID: 3b7d9e21c4a5
Revises: f025f8c114f1
Create Date: 2026-12-08 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = '3b7d9e21c4a5'
down_revision = 'f025f8c114f1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('volume_messages',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('request_id', sa.String(length=255), nullable=True),
    sa.Column('resource_type', sa.String(length=36), nullable=False),
    sa.Column('resource_uuid', sa.String(length=36), nullable=True),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('action_id', sa.String(length=10), nullable=False),
    sa.Column('detail_id', sa.String(length=10), nullable=False),
    sa.Column('message_level', sa.String(length=255), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_messages'))
    )
    with op.batch_alter_table('volume_messages', schema=None) as batch_op:
        batch_op.create_index('ix_volume_messages_project', ['project_id', 'created_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_volume_messages_resource_uuid'), ['resource_uuid'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('volume_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volume_messages_resource_uuid'))
        batch_op.drop_index('ix_volume_messages_project')
    op.drop_table('volume_messages')
