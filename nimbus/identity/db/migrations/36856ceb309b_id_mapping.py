"""id mapping

Revision ID: 36856ceb309b
Revises: 656ee51255c5
Create Date: 2026-11-21 07:46:34.561976
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = '36856ceb309b'
down_revision = '656ee51255c5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('identity_id_mappings',
    sa.Column('public_id', sa.String(length=64), nullable=False),
    sa.Column('domain_id', sa.String(length=64), nullable=False),
    sa.Column('local_id', sa.String(length=255), nullable=False),
    sa.Column('entity_type', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('public_id', name=op.f('pk_identity_id_mappings')),
    sa.UniqueConstraint('domain_id', 'local_id', 'entity_type', name=op.f('uq_identity_id_mappings_domain_id_local_id_entity_type'))
    )


def downgrade() -> None:
    op.drop_table('identity_id_mappings')
