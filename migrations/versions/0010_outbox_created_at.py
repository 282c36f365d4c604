"""outbox_event.created_at index: the wall sums the case events of the last day for its comparison with the
same time yesterday (backend/indicators/wall.py, `changes_since`)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:50:00
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_event_created_at", "outbox_event", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_event_created_at", table_name="outbox_event")
