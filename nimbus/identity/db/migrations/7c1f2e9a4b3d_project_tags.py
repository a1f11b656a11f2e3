"""project tags

Revision ID: 7c1f2e9a4b3d
Revises: 0d70e05b44dc
Create Date: 2026-12-06 09:00:00.000000
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = '7c1f2e9a4b3d'
down_revision = '0d70e05b44dc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('identity_project_tags',
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['identity_projects.id'], name=op.f('fk_identity_project_tags_project_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'name', name=op.f('pk_identity_project_tags'))
    )
    op.create_index(op.f('ix_identity_project_tags_name'), 'identity_project_tags', ['name'], unique=False)
    # The tags projects already have, one row each.
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, tags FROM identity_projects")).all()
    found = []
    for project_id, raw in rows:
        tags = json.loads(raw) if isinstance(raw, str) else raw
        for name in dict.fromkeys(tags or []):
            found.append({"project_id": project_id, "name": str(name)})
    if found:
        conn.execute(sa.text("INSERT INTO identity_project_tags (project_id, name) "
                             "VALUES (:project_id, :name)"), found)


def downgrade() -> None:
    op.drop_index(op.f('ix_identity_project_tags_name'), table_name='identity_project_tags')
    op.drop_table('identity_project_tags')
