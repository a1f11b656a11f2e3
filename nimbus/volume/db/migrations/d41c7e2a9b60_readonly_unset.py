"""a volume's readonly flag may be unset (never asked for), as Cinder's admin metadata

Revision ID: d41c7e2a9b60
Revises: 3c70f1e039de
Create Date: 2026-12-07 15:30:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'd41c7e2a9b60'
down_revision = '3c70f1e039de'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.alter_column('readonly', existing_type=sa.Boolean(), nullable=True)
    # A volume never made read-only shows no readonly key, as in Cinder.
    op.execute(sa.text("UPDATE volume_volumes SET readonly = NULL WHERE readonly = :no")
               .bindparams(no=False))


def downgrade() -> None:
    op.execute(sa.text("UPDATE volume_volumes SET readonly = :no WHERE readonly IS NULL")
               .bindparams(no=False))
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.alter_column('readonly', existing_type=sa.Boolean(), nullable=False)
