"""qos specs, type access, default types, transfers

Revision ID: 77ea1e9f2bb7
Revises: 78b4472be2dc
Create Date: 2026-12-07 14:25:34.545298
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = '77ea1e9f2bb7'
down_revision = '78b4472be2dc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'volume_qos_specs',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('consumer', sa.String(length=16), nullable=False),
        sa.Column('specs', sa.JSON(), nullable=False),
        sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_qos_specs')),
        sa.UniqueConstraint('name', name=op.f('uq_volume_qos_specs_name')))
    op.create_table(
        'volume_default_types',
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('volume_type_id', sa.String(length=36), nullable=False),
        sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['volume_type_id'], ['volume_types.id'],
                                name=op.f('fk_volume_default_types_volume_type_id')),
        sa.PrimaryKeyConstraint('project_id', name=op.f('pk_volume_default_types')))
    with op.batch_alter_table('volume_default_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volume_default_types_volume_type_id'),
                              ['volume_type_id'], unique=False)

    op.create_table(
        'volume_type_projects',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('volume_type_id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['volume_type_id'], ['volume_types.id'],
                                name=op.f('fk_volume_type_projects_volume_type_id'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_type_projects')),
        sa.UniqueConstraint('volume_type_id', 'project_id',
                            name=op.f('uq_volume_type_projects_volume_type_id_project_id')))
    with op.batch_alter_table('volume_type_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volume_type_projects_project_id'), ['project_id'],
                              unique=False)

    op.create_table(
        'volume_transfers',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('volume_id', sa.String(length=36), nullable=False),
        sa.Column('source_project_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=True),
        sa.Column('salt', sa.String(length=32), nullable=False),
        sa.Column('crypt_hash', sa.String(length=255), nullable=False),
        sa.Column('no_snapshots', sa.Boolean(), nullable=False),
        sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['volume_id'], ['volume_volumes.id'],
                                name=op.f('fk_volume_transfers_volume_id'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_transfers')),
        sa.UniqueConstraint('volume_id', name=op.f('uq_volume_transfers_volume_id')))
    with op.batch_alter_table('volume_transfers', schema=None) as batch_op:
        batch_op.create_index('ix_volume_transfers_project', ['source_project_id', 'created_at'],
                              unique=False)

    # Existing types keep no QoS specs: the new column is nullable.
    with op.batch_alter_table('volume_types', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qos_specs_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_volume_types_qos_specs_id'), ['qos_specs_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_volume_types_qos_specs_id'),
                                    'volume_qos_specs', ['qos_specs_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('volume_types', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_volume_types_qos_specs_id'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_volume_types_qos_specs_id'))
        batch_op.drop_column('qos_specs_id')

    with op.batch_alter_table('volume_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_volume_transfers_project')
    op.drop_table('volume_transfers')
    with op.batch_alter_table('volume_type_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volume_type_projects_project_id'))
    op.drop_table('volume_type_projects')
    with op.batch_alter_table('volume_default_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volume_default_types_volume_type_id'))
    op.drop_table('volume_default_types')
    op.drop_table('volume_qos_specs')
