"""duplicate search reads place from the index

The duplicate search asks, for each new report, for open cases of its
category near its point in the last hours (backend.cases.duplicates). With only
(category_id, created_at) indexed, every such case of the category had to be
read from the table to compare its place; with lon and lat in the index, only
the nearby ones are.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 07:30:00.000000
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_category_created')
        batch_op.create_index('ix_case_file_category_created_place', ['category_id', 'created_at', 'lon', 'lat'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_category_created_place')
        batch_op.create_index('ix_case_file_category_created', ['category_id', 'created_at'], unique=False)
