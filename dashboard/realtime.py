"""Live updates over Socket.IO: who may connect, which rooms they join, what they receive.

Each connection joins one room, its user's scope grid (`grid:<id>`). An event
about a case is sent to the rooms of the case's grid and of every ancestor,
so a district sees its streets' cases and a street never sees another's.
The server decides the room from the signed-in user; nothing the client
says widens it. A client that reconnects sends the id of the last event it
applied (`auth={"last_id": ...}`) and receives what it missed, or `reload`
when the stream no longer holds it (browsers ask `GET /api/v1/events`
instead: dash-socketio's handshake carries no id). Connections are also who
is online (dashboard/presence.py).

A connection lasts only as long as what signed it in: `Connections` remembers each one's credential (its
browser session or bearer token) and disconnects it within `Config.token_recheck_seconds` of that session
ending or that token being revoked or expiring, or its user being deactivated.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timezone

from flask import request
from flask_login import current_user
from flask_socketio import SocketIO, emit, join_room

from backend.accounts.sessions import end_idle, ended_idle, still_open
from backend.accounts.tokens import still_valid
from backend.events.bus import EventBus
from backend.events.catchup import missed_events
from backend.geo.locator import GridLocator
from backend.models import PLACEMENT_COLUMNS
from backend.platform.db import begin_writing
from backend.platform.worker import Backoff, Worker
from dashboard.presence import Person, Presence


def rooms_of(event: dict) -> list[str]:
    """The rooms of the event's grid and all its ancestors."""
    return [f"grid:{event[column]}" for column in PLACEMENT_COLUMNS if event.get(column) is not None]


def init_realtime(socketio: SocketIO, bus: EventBus, follower: Follower, presence: Presence,
                  connections: Connections, locator: Callable[[], GridLocator]) -> None:
    """`locator`: gives the grid tree on first use (a person's scope chain for presence)."""
    @socketio.on("connect")
    def connect(auth=None):
        if not current_user.is_authenticated:
            return False  # refused: the client is told it is not authorised
        room = f"grid:{current_user.scope.grid_id}"
        join_room(room)
        last_id = auth.get("last_id") if isinstance(auth, dict) else None
        if isinstance(last_id, str) and last_id:
            _catch_up(bus, last_id)
        # room_last_id: what the next push's `prev` will be (None: unknown, the next push says so too).
        emit("hello", {"last_id": bus.last_id(), "room_last_id": follower.last_in(room)}, to=request.sid)
        connections.add(request.sid, current_user.credential)
        chain = tuple(i for i in locator().placement(current_user.scope.grid_id).columns().values() if i is not None)
        presence.arrive(request.sid, Person(current_user.id, current_user.display_name, current_user.role, chain))

    @socketio.on("disconnect")
    def disconnect(reason=None):
        connections.remove(request.sid)
        presence.leave(request.sid)


def _catch_up(bus: EventBus, last_id: str) -> None:
    try:
        missed = missed_events(bus, current_user.scope, last_id)
    except ValueError:  # not an event id
        emit("reload", {"reason": "unknown event id"}, to=request.sid)
        return
    if missed is None:
        emit("reload", {"reason": "the stream no longer holds your last event"}, to=request.sid)
        return
    emit("events", [event.model_dump(mode="json") for event in missed], to=request.sid)


class Follower(Worker):
    """Pushes the stream to this process's own clients, following it from the process's start.

    Every server process follows the stream itself (it is the one source of
    live updates) instead of relaying pushes through Redis pub/sub, which
    drops what is published while a subscription is down. Each read is a batch:
    one message per room per batch. Every event carries `prev`, the id of the
    room's previous event, so a screen that finds its last applied id is not
    the `prev` of what arrives knows it missed something and asks for it
    (GET /api/v1/events); `prev` is None for a room's first push since start.
    """

    name = "following the event stream"
    WAIT_SECONDS = 1.0  # how long one read waits for news before checking `stop`

    def __init__(self, bus: EventBus, socketio: SocketIO):
        # No wait between rounds: each round's read waits for news. After a failure, retry after a second at
        # first (the read's own wait), doubling to 10 s.
        super().__init__(period=0, backoff=Backoff(first=self.WAIT_SECONDS, cap=10.0))
        self._bus = bus
        self._socketio = socketio
        self._last_in_room: dict[str, str] = {}
        self._last_id = bus.last_id()  # events from the process's creation on are pushed, even before `run` starts

    def last_in(self, room: str) -> str | None:
        """The id of the last event pushed to the room by this process, if any."""
        return self._last_in_room.get(room)

    def round(self) -> None:
        """Push what the next read brings (it waits up to WAIT_SECONDS for news)."""
        self._last_id = self._last_id or self._bus.last_id()
        batch = self._bus.wait_after(self._last_id, self.WAIT_SECONDS)
        if batch.gap:  # the stream restarted (Redis lost it): screens must read afresh
            self._last_in_room.clear()
            self._socketio.emit("reload", {"reason": "the event stream restarted"}, ignore_queue=True)
            self._last_id = None
        elif batch.events:
            self.push(batch.events)
            self._last_id = batch.events[-1][0]

    def push(self, events: list[tuple[str, dict]]) -> None:
        by_room: dict[str, list[dict]] = defaultdict(list)
        for event_id, event in events:
            for room in rooms_of(event):
                by_room[room].append({"id": event_id, "prev": self._last_in_room.get(room), **event})
                self._last_in_room[room] = event_id
        for room, batch in by_room.items():
            self._socketio.emit("events", batch, to=room, ignore_queue=True)


class Connections(Worker):
    """This process's connections and what signed each in; every `period` seconds all of them are checked
    (two queries: sessions, tokens) and those whose credential no longer holds are disconnected. A browser
    session idle too long is ended here too, as its next request would end it."""

    name = "rechecking live connections' sign-ins"
    MIN_PERIOD = 1.0  # a recheck time of 0 (trust nothing remembered) still checks at most once a second

    def __init__(self, socketio: SocketIO, sessions, period: float, idle_minutes: float):
        super().__init__(max(period, self.MIN_PERIOD))
        self._socketio = socketio
        self._sessions = sessions
        self._idle_minutes = idle_minutes
        self._credentials: dict[str, tuple[str, str]] = {}  # sid -> ("session", key hash) or ("token", digest)
        self._lock = threading.Lock()  # connects and disconnects come in threads of their own

    def add(self, sid: str, credential: tuple[str, str]) -> None:
        with self._lock:
            self._credentials[sid] = credential

    def remove(self, sid: str) -> None:
        with self._lock:
            self._credentials.pop(sid, None)

    def round(self) -> None:
        with self._lock:
            credentials = dict(self._credentials)
        if not credentials:
            return
        valid, idle = self.valid(set(credentials.values()), datetime.now(timezone.utc))
        for sid, credential in credentials.items():
            if credential not in valid:
                # The screen is told first, so that it goes to the sign-in page (saying why) instead of retrying.
                self._socketio.emit("signed_out", {"idle": credential in idle}, to=sid, ignore_queue=True)
                self._socketio.server.disconnect(sid, namespace="/", ignore_queue=True)

    def valid(self, credentials: set[tuple[str, str]],
              now: datetime) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """Which of these credentials still hold, and which were sessions found idle (and now ended)."""
        keys = {key for kind, key in credentials if kind == "session"}
        with self._sessions() as session:
            sessions, idle = still_open(session, keys, now, self._idle_minutes)
            tokens = still_valid(session, (key for kind, key in credentials if kind == "token"), now)
            # A screen's own request may have found its session idle first, and ended it.
            idle_before = ended_idle(session, keys - sessions - set(idle.values()))
        if idle:
            with self._sessions() as session:
                begin_writing(session)
                end_idle(session, idle, now)
                session.commit()
        return ({("session", key) for key in sessions} | {("token", key) for key in tokens},
                {("session", key) for key in {*idle.values(), *idle_before}})
