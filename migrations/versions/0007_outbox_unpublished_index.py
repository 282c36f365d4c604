"""index what is left to publish apart, and vacuum the outbox often

The relay asks every few milliseconds for the outbox rows not yet published.
Through an index of published_at, that read visited every row published
since the table was last vacuumed (marking a row published leaves its old
version behind until then): 17 ms per round after 30,000 reports, most of
PostgreSQL's work under load. A partial index of the unpublished rows holds
only them (and their old versions until the next vacuum), the published
ones get a partial index of their own for the stream's catch-up, and on
PostgreSQL the outbox is vacuumed after every thousand changed rows instead
of a fifth of the table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 08:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

UNPUBLISHED = sa.text("published_at IS NULL")
PUBLISHED = sa.text("published_at IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_event_published_at')
        batch_op.create_index('ix_outbox_event_unpublished', ['id'], unique=False,
                              postgresql_where=UNPUBLISHED, sqlite_where=UNPUBLISHED)
        batch_op.create_index('ix_outbox_event_published_at', ['published_at'], unique=False,
                              postgresql_where=PUBLISHED, sqlite_where=PUBLISHED)
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox_event SET (autovacuum_vacuum_scale_factor = 0, "
                   "autovacuum_vacuum_threshold = 1000)")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox_event RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)")
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_event_published_at')
        batch_op.drop_index('ix_outbox_event_unpublished')
        batch_op.create_index('ix_outbox_event_published_at', ['published_at'], unique=False)
