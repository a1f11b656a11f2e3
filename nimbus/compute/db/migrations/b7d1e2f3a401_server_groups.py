"""server groups and their members

Revision ID: b7d1e2f3a401
Revises: 8e4b2c6d1f37
Create Date: 2026-12-06 06:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b7d1e2f3a401'
down_revision = '8e4b2c6d1f37'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('compute_server_groups',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('policy', sa.String(length=32), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_server_groups')),
    sa.UniqueConstraint('uuid', name=op.f('uq_compute_server_groups_uuid'))
    )
    with op.batch_alter_table('compute_server_groups', schema=None) as batch_op:
        batch_op.create_index('ix_compute_server_groups_project', ['project_id'], unique=False)
    op.create_table('compute_server_group_members',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('instance_uuid', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['compute_server_groups.id'],
                            name=op.f('fk_compute_server_group_members_group_id'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_uuid'], ['compute_instances.uuid'],
                            name=op.f('fk_compute_server_group_members_instance_uuid'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_server_group_members')),
    sa.UniqueConstraint('instance_uuid',
                        name=op.f('uq_compute_server_group_members_instance_uuid'))
    )
    with op.batch_alter_table('compute_server_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_server_group_members_group_id'),
                              ['group_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('compute_server_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compute_server_group_members_group_id'))
    op.drop_table('compute_server_group_members')
    with op.batch_alter_table('compute_server_groups', schema=None) as batch_op:
        batch_op.drop_index('ix_compute_server_groups_project')
    op.drop_table('compute_server_groups')
