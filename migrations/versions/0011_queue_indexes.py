"""the queue at a million cases: (column, created_at) for each filter the console offers and the street and
community scopes, replacing the state index, and the open cases by deadline; a page of the newest 100 then
reads 100 index entries instead of sorting every match (backend/cases/queries.py, benchmarks/screens.py)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:30:00
"""
from alembic import op
from sqlalchemy import text


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OPEN = text("state IN ('collected', 'registered', 'dispatched', 'handling', 'fed_back')")  # models.cases.OPEN_CASES
COLUMNS = ("state", "district_id", "community_id", "urgency", "card", "channel")  # models.cases.QUEUE_INDEXED


def upgrade() -> None:
    with op.batch_alter_table('case_file') as batch_op:
        batch_op.drop_index('ix_case_file_state')
        for column in COLUMNS:
            batch_op.create_index(f'ix_case_file_{column}_created', [column, 'created_at'], unique=False)
        batch_op.create_index('ix_case_file_open_deadline', ['deadline'], unique=False, postgresql_where=OPEN,
                              sqlite_where=OPEN)


def downgrade() -> None:
    with op.batch_alter_table('case_file') as batch_op:
        batch_op.drop_index('ix_case_file_open_deadline')
        for column in COLUMNS:
            batch_op.drop_index(f'ix_case_file_{column}_created')
        batch_op.create_index('ix_case_file_state', ['state'], unique=False)
