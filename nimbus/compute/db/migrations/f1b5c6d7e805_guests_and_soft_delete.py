"""fake driver guests in the database, soft delete

Revision ID: f1b5c6d7e805
Revises: e0a4b5c6d704
Create Date: 2026-12-06 09:10:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from nimbus.core.db.base import UTCDateTime

revision = 'f1b5c6d7e805'
down_revision = 'e0a4b5c6d704'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('compute_fake_guests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('instance_uuid', sa.String(length=36), nullable=False),
    sa.Column('kept', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('power_state', sa.Integer(), nullable=False),
    sa.Column('vcpus', sa.Integer(), nullable=False),
    sa.Column('memory_mb', sa.Integer(), nullable=False),
    sa.Column('disk_gb', sa.Integer(), nullable=False),
    sa.Column('image_id', sa.String(length=255), nullable=True),
    sa.Column('rescue_image', sa.String(length=255), nullable=True),
    sa.Column('rescue_device', sa.JSON(), nullable=True),
    sa.Column('volumes', sa.JSON(), nullable=False),
    sa.Column('ports', sa.JSON(), nullable=False),
    sa.Column('password_changes', sa.Integer(), nullable=False),
    sa.Column('crash_dumps', sa.Integer(), nullable=False),
    sa.Column('booted_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_fake_guests')),
    sa.UniqueConstraint('host', 'instance_uuid', 'kept',
                        name=op.f('uq_compute_fake_guests_host_instance_uuid_kept'))
    )
    op.create_index(op.f('ix_compute_fake_guests_host'), 'compute_fake_guests', ['host'],
                    unique=False)
    with op.batch_alter_table('compute_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('compute_instances', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
    op.drop_index(op.f('ix_compute_fake_guests_host'), table_name='compute_fake_guests')
    op.drop_table('compute_fake_guests')
