"""routers' conntrack helpers, service flavors and profiles, and a router's flavor

Revision ID: a8e9c3513b18
Revises: aac59ab72c0f
Create Date: 2026-12-07 14:00:12.025740
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'a8e9c3513b18'
down_revision = 'aac59ab72c0f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'network_flavors',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=1024), nullable=False),
        sa.Column('service_type', sa.String(length=36), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_flavors')))
    op.create_table(
        'network_service_profiles',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('description', sa.String(length=1024), nullable=False),
        sa.Column('driver', sa.String(length=1024), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('metainfo', sa.String(length=4096), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_service_profiles')))
    op.create_table(
        'network_flavor_service_profiles',
        sa.Column('flavor_id', sa.String(length=36), nullable=False),
        sa.Column('service_profile_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['flavor_id'], ['network_flavors.id'],
                                name=op.f('fk_network_flavor_service_profiles_flavor_id'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(
            ['service_profile_id'], ['network_service_profiles.id'],
            name=op.f('fk_network_flavor_service_profiles_service_profile_id'),
            ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('flavor_id', 'service_profile_id',
                                name=op.f('pk_network_flavor_service_profiles')))
    with op.batch_alter_table('network_flavor_service_profiles', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_network_flavor_service_profiles_service_profile_id'),
            ['service_profile_id'], unique=False)
    op.create_table(
        'network_conntrack_helpers',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('router_id', sa.String(length=36), nullable=False),
        sa.Column('protocol', sa.String(length=40), nullable=False),
        sa.Column('port', sa.Integer(), nullable=False),
        sa.Column('helper', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['router_id'], ['network_routers.id'],
                                name=op.f('fk_network_conntrack_helpers_router_id'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_conntrack_helpers')),
        sa.UniqueConstraint('router_id', 'protocol', 'port', 'helper',
                            name='uq_network_conntrack_helpers_rule'))
    with op.batch_alter_table('network_conntrack_helpers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_conntrack_helpers_router_id'),
                              ['router_id'], unique=False)
    # Existing routers were made without a flavor (null), as Neutron's are.
    with op.batch_alter_table('network_routers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flavor_id', sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_network_routers_flavor_id'),
                                    'network_flavors', ['flavor_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('network_routers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_network_routers_flavor_id'), type_='foreignkey')
        batch_op.drop_column('flavor_id')
    # The tables go with their indexes: MariaDB refuses to drop an index a foreign key needs.
    op.drop_table('network_conntrack_helpers')
    op.drop_table('network_flavor_service_profiles')
    op.drop_table('network_service_profiles')
    op.drop_table('network_flavors')
