"""The relay: publish committed outbox rows to the bus, in order, at least once.

One relay publishes at a time (a PostgreSQL advisory lock when several
processes run one each), so the bus receives events in outbox order. If the
bus fails mid-batch the batch is not marked and is published again later;
readers drop repeats by `outbox_id`. A failed round (the bus or the database
down) is retried with the workers' backoff (backend.platform.worker).

With several processes on PostgreSQL, one relay leads: the one whose LISTEN
connection holds the leader's advisory lock. The others stand by, trying
for the lock every few seconds, so when the leader's process dies (and its
connection with it) another takes over. A relay that is not leading publishes
nothing: rounds that found the lock taken cost as much as the leader's own.
So a relay whose LISTEN connection is down does not lead until it has
reconnected. The lock per round stays, for the moment a leader lost its
connection mid-round.

The leader sleeps until there is something to publish. A commit in its
process that wrote outbox rows wakes it at once (never its own commits, which
only mark rows published: waking on those made an idle relay spin), and a
trigger (migration 0005) NOTIFYs it of every other process's. A poll catches
the rest: rows left by a crashed process, or committed while it was not
listening. Under load a round starts at most every MIN_ROUND_SECONDS, so one
round publishes what many commits wrote.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timezone

import psycopg
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.platform.db import begin_writing
from backend.platform.worker import OUTAGE_BACKOFF, Worker, first_line, one_at_a_time
from backend.events import outbox
from backend.events.bus import EventBus
from backend.models import OutboxEvent

log = logging.getLogger(__name__)
RELAY_LOCK = 0x5EED_0B0C  # an arbitrary, fixed key for pg_try_advisory_xact_lock
LEADER_LOCK = 0x5EED_0B0D  # held by the leading relay's LISTEN connection
# The LISTEN connection's name in pg_stat_activity, followed by the process id: which process leads.
APPLICATION_NAME = "command-centre relay"
# A standing-by relay tries for the leader's lock this often: how long events wait after a leader died.
STANDBY_SECONDS = 2.0
BATCH = 500
# The channel the outbox trigger of migration 0005 notifies (a migration keeps its own copy of the name).
CHANNEL = "command_centre_outbox"
# Woken by commits, the relay still polls this often as a fallback.
POLL_SECONDS = 0.5
# Rounds start at most this often: under load, one round publishes what many commits wrote (a round per
# report cost more than the report), while a lone change after a quiet spell still goes out at once.
MIN_ROUND_SECONDS = 0.01
# How long the listener waits for notifications before it looks whether it should stop.
STOP_CHECK_SECONDS = 1.0
# The LISTEN connection only ever reads, so a link that died silently (no reset, e.g. a dropped NAT entry)
# would go unnoticed: TCP keepalives find it within about a minute and the listener reconnects.
LISTEN_CONNECT_ARGS = {"autocommit": True, "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 30,
                       "keepalives_interval": 10, "keepalives_count": 3}


class Relay(Worker):
    name = "relay"

    def __init__(self, sessions: sessionmaker[Session], bus: EventBus, poll_seconds: float = POLL_SECONDS,
                 min_round_seconds: float = MIN_ROUND_SECONDS):
        super().__init__(poll_seconds, wakeable=True, min_interval=min_round_seconds)
        self._sessions = sessions
        self._bus = bus
        self.leading = threading.Event()
        event.listen(sessions, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        """Wake for a commit that wrote outbox rows; a savepoint's release is not yet the commit."""
        if not session.in_nested_transaction() and outbox.wrote_outbox(session):
            self.wake.set()

    def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; answers how many."""
        with self._sessions() as session:
            begin_writing(session)
            if not one_at_a_time(session, RELAY_LOCK):
                return 0
            rows = session.execute(select(OutboxEvent.id, OutboxEvent.payload)
                                   .where(OutboxEvent.published_at.is_(None))
                                   .order_by(OutboxEvent.id).limit(BATCH)).all()
            for outbox_id, payload in rows:
                self._bus.publish({**json.loads(payload), "outbox_id": outbox_id})
            if rows:
                session.execute(update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                                .values(published_at=datetime.now(timezone.utc)))
            session.commit()
            return len(rows)

    def round(self) -> None:
        """Publish everything there is, if leading."""
        if self.leading.is_set():
            while self.publish_pending() == BATCH:
                pass

    def run(self, stop: threading.Event) -> None:
        """Publish whenever woken, and at least every poll, until `stop` (seen at the next wake or poll)."""
        listener = self._start_listener(stop)
        super().run(stop)
        if listener is not None:
            listener.join()  # so a stopped relay has closed its LISTEN connection too

    def _start_listener(self, stop: threading.Event) -> threading.Thread | None:
        """On PostgreSQL, vie for the lead and LISTEN in a thread of its own; SQLite has no NOTIFY (nor other
        processes to hear or to lead)."""
        with self._sessions() as session:
            url = session.get_bind().url
        if url.get_backend_name() != "postgresql":
            self.leading.set()
            return None
        libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
        listener = threading.Thread(target=self._listen, args=(libpq_url, stop), name="relay-listen", daemon=True)
        listener.start()
        return listener

    def _listen(self, libpq_url: str, stop: threading.Event) -> None:
        """Lead and wake the relay on each notification until `stop`, reconnecting with back-off when the
        link drops."""
        failures = 0
        while not stop.is_set():
            try:
                with psycopg.connect(libpq_url, application_name=f"{APPLICATION_NAME} {os.getpid()}",
                                     **LISTEN_CONNECT_ARGS) as connection:
                    failures = 0
                    if not self._take_the_lead(connection, stop):
                        return
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.leading.set()
                    self.wake.set()  # rows committed while nobody listened: publish them now, not at the poll
                    try:
                        self._wake_on_notifications(connection, stop)
                    finally:
                        self.leading.clear()
            except psycopg.Error as error:
                failures += 1
                delay = OUTAGE_BACKOFF.after(failures)
                log.warning("relay cannot LISTEN (%s): it cannot lead, so publishes nothing, until it reconnects "
                            "(in %.1f s)", first_line(error), delay)
                stop.wait(delay)

    @staticmethod
    def _take_the_lead(connection: psycopg.Connection, stop: threading.Event) -> bool:
        """Wait until this connection holds the leader's lock (True), or until `stop` (False)."""
        while not connection.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()[0]:
            if stop.wait(STANDBY_SECONDS):
                return False
        return True

    def _wake_on_notifications(self, connection: psycopg.Connection, stop: threading.Event) -> None:
        while not stop.is_set():
            for _notification in connection.notifies(timeout=STOP_CHECK_SECONDS):
                self.wake.set()
