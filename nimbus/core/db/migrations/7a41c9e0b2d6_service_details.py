"""service details: what a worker says of its host (a compute agent's CPU and accelerator)

Revision ID: 7a41c9e0b2d6
Revises: cc0d6fde2e46
Create Date: 2026-12-06 19:10:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '7a41c9e0b2d6'
down_revision = 'cc0d6fde2e46'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('core_services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=False,
                                      server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('core_services', schema=None) as batch_op:
        batch_op.drop_column('details')
