"""What a screen missed, and what a screen that has just read the database must not count again.

`missed_events` is one answer for every way of asking (the Socket.IO handshake,
`GET /api/v1/events`): the events after the last one applied, in order, or None
when the screen must reload its state from the database instead (the stream no
longer holds its last event, it missed more than a replay is worth, or the stream
still holds events of a shape this version no longer reads, as after an upgrade).
`in_flight` goes with such a reload.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.events.bus import EventBus
from backend.events.types import EVENT, Event
from backend.models import OutboxEvent
from backend.geo.scope import Scope

# More missed than this and one reload from the database is cheaper than replaying them.
LIMIT = 5000


def missed_events(bus: EventBus, scope: Scope, last_id: str) -> list[Event] | None:
    """Events after `last_id` that `scope` may see, each with its stream `id`; None: reload.

    Raises ValueError if `last_id` is not an event id.
    """
    catchup = bus.read_after(last_id, limit=LIMIT)
    if catchup.gap or len(catchup.events) == LIMIT:
        return None
    try:
        return [EVENT.validate_python({"id": event_id, **event}) for event_id, event in catchup.events
                if scope.covers(event)]
    except ValidationError:  # published by an older version: what it says cannot be applied, a reload can
        return None


# Relays may run on other hosts: their clocks may be this far behind ours.
CLOCK_MARGIN = timedelta(seconds=5)


def in_flight(session: Session, scope: Scope, since: datetime) -> list[int]:
    """Outbox ids of changes in scope that a read in this transaction already includes but whose events may
    still arrive after the stream position read at `since`: those not yet published, or published since.

    A screen that has just read its state from the database counts them as applied, so the same change is
    not counted twice when its event comes. (A few extra ids are harmless: their events came before.)
    """
    return list(session.scalars(select(OutboxEvent.id).where(
        scope.clause(OutboxEvent),
        or_(OutboxEvent.published_at.is_(None), OutboxEvent.published_at >= since - CLOCK_MARGIN))))
