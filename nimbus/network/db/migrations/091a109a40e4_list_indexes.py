"""indexes for network and port lists: networks by name; a project's ports in id order, on a
network and of a device

Revision ID: 091a109a40e4
Revises: a8e9c3513b18
Create Date: 2026-12-08 03:48:53.359239
"""
from __future__ import annotations

from alembic import op

revision = '091a109a40e4'
down_revision = 'a8e9c3513b18'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('network_networks', schema=None) as batch_op:
        batch_op.create_index('ix_network_networks_name', ['name'], unique=False)
    with op.batch_alter_table('network_ports', schema=None) as batch_op:
        batch_op.create_index('ix_network_ports_project_id_id', ['project_id', 'id'],
                              unique=False)
        batch_op.create_index('ix_network_ports_project_network',
                              ['project_id', 'network_id', 'id'], unique=False)
        batch_op.create_index('ix_network_ports_project_device',
                              ['project_id', 'device_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('network_ports', schema=None) as batch_op:
        batch_op.drop_index('ix_network_ports_project_device')
        batch_op.drop_index('ix_network_ports_project_network')
        batch_op.drop_index('ix_network_ports_project_id_id')
    with op.batch_alter_table('network_networks', schema=None) as batch_op:
        batch_op.drop_index('ix_network_networks_name')
