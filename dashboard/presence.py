"""Who is online: every screen shows the people connected within its user's scope, updated live.

A connection is a Socket.IO session; a person with two screens open counts
once. The register of connections lives in Redis when several processes serve
(each process renews its own connections' entries, so a crashed process's
entries expire) and in the process otherwise. A change is announced to the
rooms of the person's scope grid and its ancestors, each with its own list:
a district sees its streets' people, a street never sees another street's.
"""
from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass

from flask_socketio import SocketIO

from backend.platform.worker import Worker

# A connection's entry outlives a crashed process by at most this; live processes renew theirs more often.
ENTRY_SECONDS = 90
RENEW_SECONDS = 30


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    role: str
    chain: tuple[int, ...]  # grid ids from the city down to the person's scope grid


class MemoryRegister:
    def __init__(self):
        self._people: dict[str, Person] = {}
        self._lock = threading.Lock()

    def add(self, sid: str, person: Person) -> None:
        with self._lock:
            self._people[sid] = person

    def remove(self, sid: str) -> Person | None:
        with self._lock:
            return self._people.pop(sid, None)

    def everyone(self) -> list[Person]:
        with self._lock:
            return list(self._people.values())

    def renew(self) -> None:
        """Nothing to renew: the register dies with the process."""


class RedisRegister:
    def __init__(self, url: str, prefix: str = "command-centre:presence:"):
        import redis

        self._redis = redis.Redis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self._mine: dict[str, str] = {}  # this process's connections, to renew

    def add(self, sid: str, person: Person) -> None:
        self._mine[sid] = json.dumps(asdict(person), ensure_ascii=False)
        self._redis.set(self._prefix + sid, self._mine[sid], ex=ENTRY_SECONDS)

    def remove(self, sid: str) -> Person | None:
        self._mine.pop(sid, None)
        raw = self._redis.getdel(self._prefix + sid)
        return _person(raw) if raw else None

    def everyone(self) -> list[Person]:
        keys = list(self._redis.scan_iter(match=self._prefix + "*", count=1000))
        return [_person(raw) for raw in (self._redis.mget(keys) if keys else []) if raw]

    def renew(self) -> None:
        pipeline = self._redis.pipeline(transaction=False)
        for sid, raw in list(self._mine.items()):
            pipeline.set(self._prefix + sid, raw, ex=ENTRY_SECONDS)
        pipeline.execute()


def _person(raw: str) -> Person:
    fields = json.loads(raw)
    return Person(**{**fields, "chain": tuple(fields["chain"])})


def online_in(people: list[Person], grid_id: int) -> list[dict]:
    """The people whose scope lies within the grid, once each, by role and name."""
    inside = {p.user_id: p for p in people if grid_id in p.chain}
    return [{"user_id": p.user_id, "name": p.name, "role": p.role}
            for p in sorted(inside.values(), key=lambda p: (p.role, p.name))]


class Presence(Worker):
    """Announces this process's arrivals and departures, one thread at a time: a list is read from the register
    after the changes it reports and sent before the next is read, so when two screens close at once the last
    list a room hears is the newest. (Changes on other processes are announced by those, in their own order.)
    As a worker it renews this process's entries in the register."""

    name = "renewing this process's connections"

    def __init__(self, socketio: SocketIO, register: MemoryRegister | RedisRegister):
        super().__init__(RENEW_SECONDS)
        self._socketio = socketio
        self._register = register
        self._unannounced: set[int] = set()  # grids whose list changed since it was last read
        self._lock = threading.Lock()  # guards `_unannounced`
        self._announcing = threading.Lock()  # held by the one thread reading and sending lists

    def arrive(self, sid: str, person: Person) -> None:
        self._register.add(sid, person)
        self._announce(person.chain)

    def leave(self, sid: str) -> None:
        person = self._register.remove(sid)
        if person is not None:
            self._announce(person.chain)

    def _announce(self, chain: tuple[int, ...]) -> None:
        """Send the changed grids their lists, or leave that to the thread already sending (it looks again when
        done). That thread may be this one: sending to a client gone silent closes it, a departure."""
        with self._lock:
            self._unannounced.update(chain)
        while self._unannounced and self._announcing.acquire(blocking=False):
            try:
                with self._lock:
                    grids, self._unannounced = self._unannounced, set()
                everyone = self._register.everyone()
                for grid_id in grids:
                    self._socketio.emit("presence", online_in(everyone, grid_id), to=f"grid:{grid_id}")
            finally:
                self._announcing.release()

    def round(self) -> None:
        """Renew this process's entries (a background job, every RENEW_SECONDS)."""
        self._register.renew()


def make_register(redis_url: str | None) -> MemoryRegister | RedisRegister:
    return RedisRegister(redis_url) if redis_url else MemoryRegister()
