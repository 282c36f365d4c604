"""What a reconnecting screen missed: the events after the last one it applied, within its scope.

One answer for every way of asking (the Socket.IO handshake, `GET /api/v1/events`):
the events in order, or None when the screen must reload its state from the
database instead (the stream no longer holds its last event, or it missed
more than a replay is worth).
"""
from __future__ import annotations

from backend.events.bus import EventBus
from backend.scope import Scope

# More missed than this and one reload from the database is cheaper than replaying them.
LIMIT = 5000


def missed_events(bus: EventBus, scope: Scope, last_id: str) -> list[dict] | None:
    """Events after `last_id` that `scope` may see, each with its stream `id`; None: reload.

    Raises ValueError if `last_id` is not an event id.
    """
    catchup = bus.read_after(last_id, limit=LIMIT)
    if catchup.gap or len(catchup.events) == LIMIT:
        return None
    return [{"id": event_id, **event} for event_id, event in catchup.events if scope.covers(event)]
