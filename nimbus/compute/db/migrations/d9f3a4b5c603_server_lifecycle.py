"""resize, rescue, shelve and guest records

Revision ID: d9f3a4b5c603
Revises: c8e2f3a4b502
Create Date: 2026-12-06 06:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nimbus.core.db.base import UTCDateTime

revision = 'd9f3a4b5c603'
down_revision = 'c8e2f3a4b502'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('compute_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('old_flavor', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('new_flavor', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('shelved_image_id', sa.String(length=36), nullable=True))
    op.create_table('compute_migrations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('instance_uuid', sa.String(length=36), nullable=False),
    sa.Column('migration_type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('source_compute', sa.String(length=255), nullable=True),
    sa.Column('dest_compute', sa.String(length=255), nullable=True),
    sa.Column('old_flavor_id', sa.String(length=255), nullable=False),
    sa.Column('new_flavor_id', sa.String(length=255), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_migrations')),
    sa.UniqueConstraint('uuid', name=op.f('uq_compute_migrations_uuid'))
    )
    op.create_index(op.f('ix_compute_migrations_instance_uuid'), 'compute_migrations',
                    ['instance_uuid'], unique=False)
    op.create_table('compute_console_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('instance_uuid', sa.String(length=36), nullable=False),
    sa.Column('console_type', sa.String(length=32), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('internal_access_path', sa.String(length=255), nullable=True),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_console_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_compute_console_tokens_token_hash'))
    )
    op.create_index(op.f('ix_compute_console_tokens_instance_uuid'), 'compute_console_tokens',
                    ['instance_uuid'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_compute_console_tokens_instance_uuid'),
                  table_name='compute_console_tokens')
    op.drop_table('compute_console_tokens')
    op.drop_index(op.f('ix_compute_migrations_instance_uuid'),
                  table_name='compute_migrations')
    op.drop_table('compute_migrations')
    with op.batch_alter_table('compute_instances', schema=None) as batch_op:
        batch_op.drop_column('shelved_image_id')
        batch_op.drop_column('new_flavor')
        batch_op.drop_column('old_flavor')
