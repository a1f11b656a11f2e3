"""initial schema

Revision ID: b091f8ed33ca
Revises:
Create Date: 2026-11-21 07:16:18.291609
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b091f8ed33ca'
down_revision = None
branch_labels = ('object',)
depends_on = None


def upgrade() -> None:
    op.create_table(
        'object_accounts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=256), nullable=False),
        sa.Column('created_ts', sa.String(length=20), nullable=False),
        sa.Column('put_ts', sa.String(length=20), nullable=False),
        sa.Column('meta', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_object_accounts')),
        sa.UniqueConstraint('name', name=op.f('uq_object_accounts_name')),
    )
    op.create_table(
        'object_containers',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=256), nullable=False),
        sa.Column('created_ts', sa.String(length=20), nullable=False),
        sa.Column('put_ts', sa.String(length=20), nullable=False),
        sa.Column('object_count', sa.BigInteger(), nullable=False),
        sa.Column('bytes_used', sa.BigInteger(), nullable=False),
        sa.Column('meta', sa.JSON(), nullable=False),
        sa.Column('read_acl', sa.String(length=2048), nullable=True),
        sa.Column('write_acl', sa.String(length=2048), nullable=True),
        sa.ForeignKeyConstraint(
            ['account_id'], ['object_accounts.id'],
            name=op.f('fk_object_containers_account_id_object_accounts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_object_containers')),
        sa.UniqueConstraint('account_id', 'name',
                            name=op.f('uq_object_containers_account_id_name')),
    )
    with op.batch_alter_table('object_containers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_object_containers_account_id'), ['account_id'],
                              unique=False)

    op.create_table(
        'object_objects',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('container_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=1024), nullable=False),
        sa.Column('name_hash', sa.String(length=64), nullable=False),
        sa.Column('data_ts', sa.String(length=20), nullable=False),
        sa.Column('meta_ts', sa.String(length=20), nullable=False),
        sa.Column('etag', sa.String(length=32), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('content_type', sa.String(length=256), nullable=False),
        sa.Column('meta', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ['container_id'], ['object_containers.id'],
            name=op.f('fk_object_objects_container_id_object_containers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_object_objects')),
        sa.UniqueConstraint('container_id', 'name_hash',
                            name=op.f('uq_object_objects_container_id_name_hash')),
    )
    with op.batch_alter_table('object_objects', schema=None) as batch_op:
        batch_op.create_index('ix_object_objects_container_name', ['container_id', 'name'],
                              unique=False, mysql_length={'name': 191})


def downgrade() -> None:
    with op.batch_alter_table('object_objects', schema=None) as batch_op:
        batch_op.drop_index('ix_object_objects_container_name', mysql_length={'name': 191})
    op.drop_table('object_objects')
    with op.batch_alter_table('object_containers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_object_containers_account_id'))
    op.drop_table('object_containers')
    op.drop_table('object_accounts')
