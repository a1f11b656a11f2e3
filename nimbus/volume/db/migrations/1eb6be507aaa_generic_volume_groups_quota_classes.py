"""generic volume groups (group types, groups and their volume types, group snapshots; a
volume's group, a snapshot's group snapshot), quota classes, and the backends' frozen state

Revision ID: 1eb6be507aaa
Revises: 77ea1e9f2bb7
Create Date: 2026-12-07 14:26:38.539912
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import nimbus.core.db.base

revision = '1eb6be507aaa'
down_revision = '77ea1e9f2bb7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('volume_backends',
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('host', name=op.f('pk_volume_backends'))
    )
    op.create_table('volume_group_types',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('group_specs', sa.JSON(), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_group_types')),
    sa.UniqueConstraint('name', name=op.f('uq_volume_group_types_name'))
    )
    op.create_table('volume_quota_classes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('class_name', sa.String(length=255), nullable=False),
    sa.Column('resource', sa.String(length=300), nullable=False),
    sa.Column('hard_limit', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_quota_classes')),
    sa.UniqueConstraint('class_name', 'resource',
                        name=op.f('uq_volume_quota_classes_class_name_resource'))
    )
    op.create_table('volume_groups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('availability_zone', sa.String(length=255), nullable=False),
    sa.Column('group_type_id', sa.String(length=36), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=True),
    sa.Column('group_snapshot_id', sa.String(length=36), nullable=True),
    sa.Column('source_group_id', sa.String(length=36), nullable=True),
    sa.Column('replication_status', sa.String(length=32), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['group_type_id'], ['volume_group_types.id'],
                            name=op.f('fk_volume_groups_group_type_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_groups'))
    )
    with op.batch_alter_table('volume_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volume_groups_group_type_id'), ['group_type_id'],
                              unique=False)
        batch_op.create_index('ix_volume_groups_project', ['project_id', 'created_at'],
                              unique=False)

    op.create_table('volume_group_snapshots',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('group_type_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', nimbus.core.db.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', nimbus.core.db.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['volume_groups.id'],
                            name=op.f('fk_volume_group_snapshots_group_id')),
    sa.ForeignKeyConstraint(['group_type_id'], ['volume_group_types.id'],
                            name=op.f('fk_volume_group_snapshots_group_type_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volume_group_snapshots'))
    )
    with op.batch_alter_table('volume_group_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volume_group_snapshots_group_id'), ['group_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_volume_group_snapshots_group_type_id'),
                              ['group_type_id'], unique=False)
        batch_op.create_index('ix_volume_group_snapshots_project', ['project_id', 'created_at'],
                              unique=False)

    op.create_table('volume_group_volume_types',
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('volume_type_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['volume_groups.id'],
                            name=op.f('fk_volume_group_volume_types_group_id'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['volume_type_id'], ['volume_types.id'],
                            name=op.f('fk_volume_group_volume_types_volume_type_id')),
    sa.PrimaryKeyConstraint('group_id', 'volume_type_id',
                            name=op.f('pk_volume_group_volume_types'))
    )
    with op.batch_alter_table('volume_group_volume_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volume_group_volume_types_volume_type_id'),
                              ['volume_type_id'], unique=False)

    with op.batch_alter_table('volume_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_snapshot_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_volume_snapshots_group_snapshot_id'),
                              ['group_snapshot_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_volume_snapshots_group_snapshot_id'),
                                    'volume_group_snapshots', ['group_snapshot_id'], ['id'])

    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_volume_volumes_group_id'), ['group_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_volume_volumes_group_id'), 'volume_groups',
                                    ['group_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('volume_volumes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_volume_volumes_group_id'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_volume_volumes_group_id'))
        batch_op.drop_column('group_id')

    with op.batch_alter_table('volume_snapshots', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_volume_snapshots_group_snapshot_id'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_volume_snapshots_group_snapshot_id'))
        batch_op.drop_column('group_snapshot_id')

    with op.batch_alter_table('volume_group_volume_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volume_group_volume_types_volume_type_id'))

    op.drop_table('volume_group_volume_types')
    with op.batch_alter_table('volume_group_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_volume_group_snapshots_project')
        batch_op.drop_index(batch_op.f('ix_volume_group_snapshots_group_type_id'))
        batch_op.drop_index(batch_op.f('ix_volume_group_snapshots_group_id'))

    op.drop_table('volume_group_snapshots')
    with op.batch_alter_table('volume_groups', schema=None) as batch_op:
        batch_op.drop_index('ix_volume_groups_project')
        batch_op.drop_index(batch_op.f('ix_volume_groups_group_type_id'))

    op.drop_table('volume_groups')
    op.drop_table('volume_quota_classes')
    op.drop_table('volume_group_types')
    op.drop_table('volume_backends')
