"""The live stream, for a screen resuming after a lost connection (and for any system that polls it)."""
from __future__ import annotations

from dashboard import context
from backend.api.registry import endpoint
from backend.api.schemas import EventsOut, EventsQuery
from backend.events.catchup import missed_events


@endpoint("GET", "/events", tag="events", response=EventsOut, query=EventsQuery)
def list_events(query: EventsQuery) -> EventsOut:
    """The events after the last one you applied, within your scope; or `reload` when the stream has moved on."""
    bus = context.centre().bus
    head = bus.last_id()  # before reading, so that nothing after a reload's starting point is skipped
    try:
        missed = missed_events(bus, context.actor().scope, query.after)
    except ValueError:  # well-formed but not a number the bus can order
        missed = None
    return EventsOut(events=missed or [], reload=missed is None, last_id=head)
