"""federation

Revision ID: d40e14ca51b9

OS-FEDERATION tables: identity providers, remote ids, protocols, mappings, service
providers and the links of shadow users to their remote identities.
Revises: 36856ceb309b
Create Date: 2026-11-21 07:47:37.084977
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'd40e14ca51b9'
down_revision = '36856ceb309b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('identity_fed_idps',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('domain_id', sa.String(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('authorization_ttl', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_fed_idps'))
    )
    op.create_table('identity_fed_mappings',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('schema_version', sa.String(length=8), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_fed_mappings'))
    )
    op.create_table('identity_fed_sps',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('auth_url', sa.String(length=256), nullable=False),
    sa.Column('sp_url', sa.String(length=256), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('relay_state_prefix', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_fed_sps'))
    )
    op.create_table('identity_fed_protocols',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('idp_id', sa.String(length=64), nullable=False),
    sa.Column('mapping_id', sa.String(length=64), nullable=False),
    sa.Column('remote_id_attribute', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['idp_id'], ['identity_fed_idps.id'], name=op.f('fk_identity_fed_protocols_idp_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', 'idp_id', name=op.f('pk_identity_fed_protocols'))
    )
    op.create_table('identity_fed_remote_ids',
    sa.Column('remote_id', sa.String(length=255), nullable=False),
    sa.Column('idp_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['idp_id'], ['identity_fed_idps.id'], name=op.f('fk_identity_fed_remote_ids_idp_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('remote_id', name=op.f('pk_identity_fed_remote_ids'))
    )
    with op.batch_alter_table('identity_fed_remote_ids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_fed_remote_ids_idp_id'), ['idp_id'], unique=False)

    op.create_table('identity_fed_users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('idp_id', sa.String(length=64), nullable=False),
    sa.Column('protocol_id', sa.String(length=64), nullable=False),
    sa.Column('unique_id', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['idp_id'], ['identity_fed_idps.id'], name=op.f('fk_identity_fed_users_idp_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['identity_users.id'], name=op.f('fk_identity_fed_users_user_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_fed_users')),
    sa.UniqueConstraint('idp_id', 'protocol_id', 'unique_id', name='uq_identity_fed_users_identity')
    )
    with op.batch_alter_table('identity_fed_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_fed_users_user_id'), ['user_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('identity_fed_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_fed_users_user_id'))
    op.drop_table('identity_fed_users')
    with op.batch_alter_table('identity_fed_remote_ids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_fed_remote_ids_idp_id'))
    op.drop_table('identity_fed_remote_ids')
    op.drop_table('identity_fed_protocols')
    op.drop_table('identity_fed_sps')
    op.drop_table('identity_fed_mappings')
    op.drop_table('identity_fed_idps')
