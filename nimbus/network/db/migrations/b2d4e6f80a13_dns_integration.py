"""dns integration: networks' dns_domain, ports' and floating IPs' dns_name and dns_domain

Revision ID: b2d4e6f80a13
Revises: a7e3c91d52f0
Create Date: 2026-12-07 14:20:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b2d4e6f80a13'
down_revision = 'a7e3c91d52f0'
branch_labels = None
depends_on = None

# What each table gains; rows made before have no names, as Neutron's default says.
_COLUMNS = {'network_networks': ('dns_domain',), 'network_ports': ('dns_name', 'dns_domain'),
            'network_floating_ips': ('dns_name', 'dns_domain')}


def upgrade() -> None:
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.add_column(sa.Column(column, sa.String(length=255), nullable=False,
                                              server_default=''))


def downgrade() -> None:
    for table, columns in _COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)
