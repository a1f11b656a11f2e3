"""a port's mac_learning_enabled

Revision ID: c3e5f7091b24
Revises: b2d4e6f80a13
Create Date: 2026-12-07 14:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c3e5f7091b24'
down_revision = 'b2d4e6f80a13'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Ports made before learned nothing beyond their own addresses.
    with op.batch_alter_table('network_ports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac_learning_enabled', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('network_ports', schema=None) as batch_op:
        batch_op.drop_column('mac_learning_enabled')
