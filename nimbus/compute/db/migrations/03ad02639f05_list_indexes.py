"""indexes for server lists: a project's servers in their default order, by status, by change
time; every project's in order; by host

Revision ID: 03ad02639f05
Revises: f1b5c6d7e805
Create Date: 2026-12-08 03:37:22.834552
"""
from __future__ import annotations

from alembic import op

revision = '03ad02639f05'
down_revision = 'f1b5c6d7e805'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('compute_instances', schema=None) as batch_op:
        # (project_id, created_at, id) starts with project_id: the old index says nothing more.
        batch_op.create_index('ix_compute_instances_project_created',
                              ['project_id', 'created_at', 'id'], unique=False)
        batch_op.drop_index('ix_compute_instances_project')
        batch_op.create_index('ix_compute_instances_project_vm_state',
                              ['project_id', 'vm_state', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_compute_instances_project_updated',
                              ['project_id', 'updated_at'], unique=False)
        batch_op.create_index('ix_compute_instances_created', ['created_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_compute_instances_host', ['host'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('compute_instances', schema=None) as batch_op:
        batch_op.drop_index('ix_compute_instances_host')
        batch_op.drop_index('ix_compute_instances_created')
        batch_op.drop_index('ix_compute_instances_project_updated')
        batch_op.drop_index('ix_compute_instances_project_vm_state')
        batch_op.create_index('ix_compute_instances_project', ['project_id'], unique=False)
        batch_op.drop_index('ix_compute_instances_project_created')
