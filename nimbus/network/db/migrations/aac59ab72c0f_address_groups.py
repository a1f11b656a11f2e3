"""address groups, their addresses, and security group rules' remote address group

Revision ID: aac59ab72c0f
Revises: c3e5f7091b24
Create Date: 2026-12-07 13:58:28.324387
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = 'aac59ab72c0f'
down_revision = 'c3e5f7091b24'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'network_address_groups',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.String(length=1024), nullable=False),
        sa.Column('revision_number', sa.Integer(), nullable=False),
        sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_network_address_groups')))
    with op.batch_alter_table('network_address_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_address_groups_project_id'),
                              ['project_id'], unique=False)
    op.create_table(
        'network_address_group_addresses',
        sa.Column('address_group_id', sa.String(length=36), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['address_group_id'], ['network_address_groups.id'],
                                name='fk_network_ag_addresses_group', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('address_group_id', 'address',
                                name=op.f('pk_network_address_group_addresses')))
    # Existing rules have no remote address group: a nullable column needs no default.
    with op.batch_alter_table('network_security_group_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remote_address_group_id', sa.String(length=36),
                                      nullable=True))
        batch_op.create_index(
            batch_op.f('ix_network_security_group_rules_remote_address_group_id'),
            ['remote_address_group_id'], unique=False)
        batch_op.create_foreign_key('fk_network_sg_rules_address_group',
                                    'network_address_groups', ['remote_address_group_id'],
                                    ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('network_security_group_rules', schema=None) as batch_op:
        batch_op.drop_constraint('fk_network_sg_rules_address_group', type_='foreignkey')
        batch_op.drop_index(
            batch_op.f('ix_network_security_group_rules_remote_address_group_id'))
        batch_op.drop_column('remote_address_group_id')
    op.drop_table('network_address_group_addresses')
    with op.batch_alter_table('network_address_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_address_groups_project_id'))
    op.drop_table('network_address_groups')
