"""Live updates over Socket.IO: who may connect, which rooms they join, what they receive.

Each connection joins one room, its user's scope grid (`grid:<id>`). An event
about a case is sent to the rooms of the case's grid and of every ancestor,
so a district sees its streets' cases and a street never sees another's.
The server decides the room from the signed-in user; nothing the client
says widens it. A client that reconnects sends the id of the last event it
applied (`auth={"last_id": ...}`) and receives what it missed, or `reload`
when the stream no longer holds it.
"""
from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_socketio import SocketIO, emit, join_room

from backend.events.bus import EventBus
from backend.models import PLACEMENT_COLUMNS

CATCHUP_LIMIT = 5000  # more missed than this and a reload is cheaper than a replay


def rooms_of(event: dict) -> list[str]:
    """The rooms of the event's grid and all its ancestors."""
    return [f"grid:{event[column]}" for column in PLACEMENT_COLUMNS if event.get(column) is not None]


def init_realtime(socketio: SocketIO, bus: EventBus) -> None:
    @socketio.on("connect")
    def connect(auth=None):
        if not current_user.is_authenticated:
            return False  # refused: the client is told it is not authorised
        join_room(f"grid:{current_user.scope.grid_id}")
        last_id = auth.get("last_id") if isinstance(auth, dict) else None
        if isinstance(last_id, str) and last_id:
            _catch_up(bus, last_id)
        emit("hello", {"last_id": bus.last_id()}, to=request.sid)


def _catch_up(bus: EventBus, last_id: str) -> None:
    try:
        missed = bus.read_after(last_id, limit=CATCHUP_LIMIT)
    except ValueError:  # not an event id
        emit("reload", {"reason": "unknown event id"}, to=request.sid)
        return
    if missed.gap or len(missed.events) == CATCHUP_LIMIT:
        emit("reload", {"reason": "the stream no longer holds your last event"}, to=request.sid)
        return
    mine = [{"id": event_id, **event} for event_id, event in missed.events if current_user.scope.covers(event)]
    emit("events", mine, to=request.sid)


def broadcaster(socketio: SocketIO):
    """The relay's `on_published`: push one event to the rooms that may see it."""
    def broadcast(event_id: str, event: dict) -> None:
        socketio.emit("events", [{"id": event_id, **event}], to=rooms_of(event))
    return broadcast
