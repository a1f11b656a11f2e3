"""a router's distributed and ha flags

Revision ID: c959255bebb3
Revises: b4c00587ffbb
Create Date: 2026-12-07 10:26:59.315320
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c959255bebb3'
down_revision = 'b4c00587ffbb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing routers are centralized and not HA, as Neutron's defaults say.
    with op.batch_alter_table('network_routers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('distributed', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('ha', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('network_routers', schema=None) as batch_op:
        batch_op.drop_column('ha')
        batch_op.drop_column('distributed')
