"""notify relays of new outbox rows (PostgreSQL only)

A statement-level trigger NOTIFYs the channel every process's relay LISTENs
on (backend.events.relay.CHANNEL), so a commit in one process wakes the
relays of all at once instead of at their next poll. A trigger adds no round
trip to the request that writes the row, and PostgreSQL delivers the
notification only at commit, folding repeats within a transaction into one.
SQLite has no NOTIFY: there the relay is woken in-process, and this revision
does nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 02:30:00.000000
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    op.execute("""
        CREATE FUNCTION notify_outbox_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('command_centre_outbox', '');
            RETURN NULL;
        END
        $$""")
    op.execute("CREATE TRIGGER outbox_event_notify AFTER INSERT ON outbox_event "
               "FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox_event()")


def downgrade() -> None:
    if not _postgresql():
        return
    op.execute("DROP TRIGGER outbox_event_notify ON outbox_event")
    op.execute("DROP FUNCTION notify_outbox_event()")
