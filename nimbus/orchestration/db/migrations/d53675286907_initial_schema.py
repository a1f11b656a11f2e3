"""initial schema

Revision ID: d53675286907
Revises:
Create Date: 2026-12-08 00:52:00.702698
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = 'd53675286907'
down_revision = None
branch_labels = ('orchestration',)
depends_on = None


def upgrade() -> None:
    op.create_table('orchestration_software_configs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('group', sa.String(length=255), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orchestration_software_configs'))
    )
    with op.batch_alter_table('orchestration_software_configs', schema=None) as batch_op:
        batch_op.create_index('ix_orchestration_software_configs_project', ['project_id'], unique=False)

    op.create_table('orchestration_software_deployments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('config_id', sa.String(length=36), nullable=False),
    sa.Column('input_values', sa.JSON(), nullable=False),
    sa.Column('output_values', sa.JSON(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('stack_user_project_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orchestration_software_deployments'))
    )
    with op.batch_alter_table('orchestration_software_deployments', schema=None) as batch_op:
        batch_op.create_index('ix_orchestration_software_deployments_server', ['server_id'], unique=False)

    op.create_table('orchestration_stacks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=True),
    sa.Column('owner_resource', sa.String(length=255), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('template', sa.JSON(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('environment', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('timeout_mins', sa.Integer(), nullable=True),
    sa.Column('disable_rollback', sa.Boolean(), nullable=False),
    sa.Column('trust_id', sa.String(length=64), nullable=True),
    sa.Column('pending', sa.JSON(), nullable=True),
    sa.Column('outputs', sa.JSON(), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.Column('deleted_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orchestration_stacks'))
    )
    with op.batch_alter_table('orchestration_stacks', schema=None) as batch_op:
        batch_op.create_index('ix_orchestration_stacks_owner', ['owner_id'], unique=False)
        batch_op.create_index('ix_orchestration_stacks_project_name', ['project_id', 'name'], unique=False)

    op.create_table('orchestration_events',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('stack_id', sa.String(length=36), nullable=False),
    sa.Column('resource_name', sa.String(length=255), nullable=False),
    sa.Column('resource_type', sa.String(length=255), nullable=False),
    sa.Column('physical_id', sa.String(length=255), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('properties', sa.JSON(), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['stack_id'], ['orchestration_stacks.id'],
                            name=op.f('fk_orchestration_events_stack_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_orchestration_events')),
    sa.UniqueConstraint('id', name=op.f('uq_orchestration_events_id'))
    )
    with op.batch_alter_table('orchestration_events', schema=None) as batch_op:
        batch_op.create_index('ix_orchestration_events_stack', ['stack_id', 'seq'], unique=False)

    op.create_table('orchestration_resources',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('stack_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=255), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('physical_id', sa.String(length=255), nullable=True),
    sa.Column('properties', sa.JSON(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('metadata', sa.JSON(), nullable=False),
    sa.Column('requires', sa.JSON(), nullable=False),
    sa.Column('replaced_by', sa.String(length=36), nullable=True),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['stack_id'], ['orchestration_stacks.id'],
                            name=op.f('fk_orchestration_resources_stack_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orchestration_resources'))
    )
    with op.batch_alter_table('orchestration_resources', schema=None) as batch_op:
        batch_op.create_index('ix_orchestration_resources_stack', ['stack_id', 'name'], unique=False)

    op.create_table('orchestration_snapshots',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('stack_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['stack_id'], ['orchestration_stacks.id'],
                            name=op.f('fk_orchestration_snapshots_stack_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orchestration_snapshots'))
    )
    with op.batch_alter_table('orchestration_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_orchestration_snapshots_stack', ['stack_id'], unique=False)

    op.create_table('orchestration_stack_tags',
    sa.Column('stack_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['stack_id'], ['orchestration_stacks.id'],
                            name=op.f('fk_orchestration_stack_tags_stack_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('stack_id', 'position', name=op.f('pk_orchestration_stack_tags'))
    )
    with op.batch_alter_table('orchestration_stack_tags', schema=None) as batch_op:
        batch_op.create_index('ix_orchestration_stack_tags_tag', ['tag'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('orchestration_stack_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_orchestration_stack_tags_tag')

    op.drop_table('orchestration_stack_tags')
    with op.batch_alter_table('orchestration_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_orchestration_snapshots_stack')

    op.drop_table('orchestration_snapshots')
    with op.batch_alter_table('orchestration_resources', schema=None) as batch_op:
        batch_op.drop_index('ix_orchestration_resources_stack')

    op.drop_table('orchestration_resources')
    with op.batch_alter_table('orchestration_events', schema=None) as batch_op:
        batch_op.drop_index('ix_orchestration_events_stack')

    op.drop_table('orchestration_events')
    with op.batch_alter_table('orchestration_stacks', schema=None) as batch_op:
        batch_op.drop_index('ix_orchestration_stacks_project_name')
        batch_op.drop_index('ix_orchestration_stacks_owner')

    op.drop_table('orchestration_stacks')
    with op.batch_alter_table('orchestration_software_deployments', schema=None) as batch_op:
        batch_op.drop_index('ix_orchestration_software_deployments_server')

    op.drop_table('orchestration_software_deployments')
    with op.batch_alter_table('orchestration_software_configs', schema=None) as batch_op:
        batch_op.drop_index('ix_orchestration_software_configs_project')

    op.drop_table('orchestration_software_configs')
