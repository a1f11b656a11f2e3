"""a router's availability zone hints

Revision ID: a7e3c91d52f0
Revises: 24d80cf88bc5
Create Date: 2026-12-07 14:05:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a7e3c91d52f0'
down_revision = '24d80cf88bc5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Routers made before hints were kept had none.
    with op.batch_alter_table('network_routers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('availability_zone_hints', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table('network_routers', schema=None) as batch_op:
        batch_op.drop_column('availability_zone_hints')
