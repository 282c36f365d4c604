"""The relay: publish committed outbox rows to the bus, in order, at least once.

One relay publishes at a time (a PostgreSQL advisory lock when several
processes run one each), so the bus receives events in outbox order. If the
bus fails mid-batch the batch is not marked and is published again later;
readers drop repeats by `outbox_id`.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from backend.events.bus import EventBus
from backend.models import OutboxEvent

log = logging.getLogger(__name__)
RELAY_LOCK = 0x5EED_0B0C  # an arbitrary, fixed key for pg_try_advisory_xact_lock
BATCH = 500
# Woken at once by commits in this process; this poll catches rows committed
# by other processes (or left by a crashed one) within half a second.
POLL_SECONDS = 0.5
# After a failure (bus or database down) wait before retrying, doubling up to
# this cap so a long outage does not flood the log.
MAX_BACKOFF_SECONDS = 10.0


class Relay:
    def __init__(self, sessions: sessionmaker[Session], bus: EventBus,
                 on_published: Callable[[str, dict], None] = lambda event_id, event: None):
        """`on_published(id, event)` runs after each publish: the live push to screens."""
        self._sessions = sessions
        self._bus = bus
        self._on_published = on_published
        self.wake = threading.Event()
        event.listen(sessions, "after_commit", lambda _session: self.wake.set())

    def _locked(self, session: Session) -> bool:
        if session.bind.dialect.name != "postgresql":
            return True
        return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": RELAY_LOCK}))

    def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; answers how many."""
        with self._sessions() as session:
            if not self._locked(session):
                return 0
            rows = session.execute(select(OutboxEvent.id, OutboxEvent.payload)
                                   .where(OutboxEvent.published_at.is_(None))
                                   .order_by(OutboxEvent.id).limit(BATCH)).all()
            for outbox_id, payload in rows:
                event = {**json.loads(payload), "outbox_id": outbox_id}
                self._on_published(self._bus.publish(event), event)
            if rows:
                session.execute(update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                                .values(published_at=datetime.now(timezone.utc)))
            session.commit()
            return len(rows)

    def run(self, stop: threading.Event) -> None:
        backoff = POLL_SECONDS
        while not stop.is_set():
            self.wake.wait(POLL_SECONDS)
            self.wake.clear()
            try:
                while self.publish_pending() == BATCH:
                    pass
                backoff = POLL_SECONDS
            except Exception:
                log.exception("relay failed; retrying in %.1f s", backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
