"""subnet pools and address scopes, and the pool a subnet's cidr came from

Revision ID: 6c9384c9c9db
Revises: ace7bd4ddcc0
Create Date: 2026-12-07 08:01:19.150933
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = '6c9384c9c9db'
down_revision = 'ace7bd4ddcc0'
branch_labels = None
depends_on = None


def _standard() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=255), nullable=False),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'network_address_scopes',
        sa.Column('ip_version', sa.Integer(), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        *_standard(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_address_scopes')))
    with op.batch_alter_table('network_address_scopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_address_scopes_project_id'),
                              ['project_id'], unique=False)
    op.create_table(
        'network_subnet_pools',
        sa.Column('ip_version', sa.Integer(), nullable=False),
        sa.Column('prefixes', sa.JSON(), nullable=False),
        sa.Column('default_prefixlen', sa.Integer(), nullable=False),
        sa.Column('min_prefixlen', sa.Integer(), nullable=False),
        sa.Column('max_prefixlen', sa.Integer(), nullable=False),
        sa.Column('default_quota', sa.Integer(), nullable=True),
        sa.Column('address_scope_id', sa.String(length=36), nullable=True),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        *_standard(),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_subnet_pools')))
    with op.batch_alter_table('network_subnet_pools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_subnet_pools_address_scope_id'),
                              ['address_scope_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_subnet_pools_project_id'),
                              ['project_id'], unique=False)
    with op.batch_alter_table('network_subnets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subnetpool_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_network_subnets_subnetpool_id'),
                              ['subnetpool_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('network_subnets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_subnets_subnetpool_id'))
        batch_op.drop_column('subnetpool_id')
    with op.batch_alter_table('network_subnet_pools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_subnet_pools_project_id'))
        batch_op.drop_index(batch_op.f('ix_network_subnet_pools_address_scope_id'))
    op.drop_table('network_subnet_pools')
    with op.batch_alter_table('network_address_scopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_address_scopes_project_id'))
    op.drop_table('network_address_scopes')
