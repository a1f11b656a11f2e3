"""instance tags, one row each, for list filters in SQL

Revision ID: 5c1e7a9d2b40
Revises: 947238655bb5
Create Date: 2026-12-06 10:00:00.000000
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = '5c1e7a9d2b40'
down_revision = '947238655bb5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('compute_instance_tags',
    sa.Column('instance_uuid', sa.String(length=36), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['instance_uuid'], ['compute_instances.uuid'],
                            name=op.f('fk_compute_instance_tags_instance_uuid'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instance_uuid', 'tag', name=op.f('pk_compute_instance_tags'))
    )
    with op.batch_alter_table('compute_instance_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compute_instance_tags_tag'), ['tag'], unique=False)
    # The servers' existing tags, from their JSON lists.
    instances = sa.table('compute_instances', sa.column('uuid', sa.String),
                         sa.column('tags', sa.JSON))
    tags = sa.table('compute_instance_tags', sa.column('instance_uuid', sa.String),
                    sa.column('tag', sa.String))
    conn = op.get_bind()
    rows = []
    for uuid, value in conn.execute(sa.select(instances.c.uuid, instances.c.tags)):
        listed = json.loads(value) if isinstance(value, str) else value
        rows += [{'instance_uuid': uuid, 'tag': tag} for tag in dict.fromkeys(listed or [])]
    if rows:
        conn.execute(tags.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table('compute_instance_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compute_instance_tags_tag'))
    op.drop_table('compute_instance_tags')
