"""aggregates, flavor access, service state

Revision ID: c8e2f3a4b502
Revises: b7d1e2f3a401
Create Date: 2026-12-06 06:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = 'c8e2f3a4b502'
down_revision = 'b7d1e2f3a401'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('compute_aggregates',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_aggregates')),
    sa.UniqueConstraint('name', name=op.f('uq_compute_aggregates_name')),
    sa.UniqueConstraint('uuid', name=op.f('uq_compute_aggregates_uuid'))
    )
    op.create_table('compute_aggregate_hosts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('aggregate_id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['aggregate_id'], ['compute_aggregates.id'],
                            name=op.f('fk_compute_aggregate_hosts_aggregate_id'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_aggregate_hosts')),
    sa.UniqueConstraint('aggregate_id', 'host',
                        name=op.f('uq_compute_aggregate_hosts_aggregate_id_host'))
    )
    with op.batch_alter_table('compute_aggregate_hosts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_aggregate_hosts_aggregate_id'),
                              ['aggregate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_compute_aggregate_hosts_host'), ['host'],
                              unique=False)

    op.create_table('compute_aggregate_metadata',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('aggregate_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['aggregate_id'], ['compute_aggregates.id'],
                            name=op.f('fk_compute_aggregate_metadata_aggregate_id'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_aggregate_metadata')),
    sa.UniqueConstraint('aggregate_id', 'key',
                        name=op.f('uq_compute_aggregate_metadata_aggregate_id_key'))
    )
    with op.batch_alter_table('compute_aggregate_metadata', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_aggregate_metadata_aggregate_id'),
                              ['aggregate_id'], unique=False)

    op.create_table('compute_flavor_projects',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('flavor_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['flavor_id'], ['compute_flavors.id'],
                            name=op.f('fk_compute_flavor_projects_flavor_id'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_flavor_projects')),
    sa.UniqueConstraint('flavor_id', 'project_id',
                        name=op.f('uq_compute_flavor_projects_flavor_id_project_id'))
    )
    with op.batch_alter_table('compute_flavor_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_flavor_projects_flavor_id'),
                              ['flavor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_compute_flavor_projects_project_id'),
                              ['project_id'], unique=False)

    op.create_table('compute_service_states',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('binary', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('forced_down', sa.Boolean(), nullable=False),
    sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_service_states')),
    sa.UniqueConstraint('binary', 'host', name=op.f('uq_compute_service_states_binary_host'))
    )
    op.create_table('compute_deleted_instances',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('project_id', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=255), nullable=False),
    sa.Column('flavor', sa.JSON(), nullable=False),
    sa.Column('vm_state', sa.String(length=32), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('launched_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.Column('terminated_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_deleted_instances')),
    sa.UniqueConstraint('uuid', name=op.f('uq_compute_deleted_instances_uuid'))
    )
    with op.batch_alter_table('compute_deleted_instances', schema=None) as batch_op:
        batch_op.create_index('ix_compute_deleted_instances_project', ['project_id', 'uuid'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_compute_deleted_instances_terminated_at'),
                              ['terminated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('compute_deleted_instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compute_deleted_instances_terminated_at'))
        batch_op.drop_index('ix_compute_deleted_instances_project')
    op.drop_table('compute_deleted_instances')
    op.drop_table('compute_service_states')
    with op.batch_alter_table('compute_flavor_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compute_flavor_projects_project_id'))
        batch_op.drop_index(batch_op.f('ix_compute_flavor_projects_flavor_id'))
    op.drop_table('compute_flavor_projects')
    with op.batch_alter_table('compute_aggregate_metadata', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compute_aggregate_metadata_aggregate_id'))
    op.drop_table('compute_aggregate_metadata')
    with op.batch_alter_table('compute_aggregate_hosts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compute_aggregate_hosts_host'))
        batch_op.drop_index(batch_op.f('ix_compute_aggregate_hosts_aggregate_id'))
    op.drop_table('compute_aggregate_hosts')
    op.drop_table('compute_aggregates')
