"""The event bus: what every implementation promises.

- `publish(event)` appends an event and answers its id, "<n>-<epoch>": n
  counts 1, 2, 3... in publish order, so a missing number means a dropped
  event; the epoch names the stream itself, drawn afresh whenever a stream
  starts empty (Redis restarted without its data, a new process's in-memory
  bus). Ids of one epoch order with `event_key`.
- `last_id()` answers the id of the newest event, or "0-<epoch>" before the
  first: a reader starting there misses nothing published later.
- `wait_after(last_id, timeout)` is `read_after` that waits for the next
  event when there is none yet: how each server process follows the stream.
- `read_after(last_id)` answers the retained events after `last_id`, in
  order. The bus keeps a bounded number of events (the stream length); a
  reader whose `last_id` is older than what is kept, or of another epoch
  (the stream restarted since, however many events the new one holds by
  now), is told so (`gap`) and must reload its state from the database
  instead of silently missing events.

Events are plain dicts; each carries `outbox_id`, so a reader drops an
event it has already applied even if a relay crash made it publish twice.
Choosing an implementation is configuration (`make_bus`); callers never
branch on it.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

# Epochs stay below 2**53 so that any client may hold an id's parts as plain numbers.
EPOCH_LIMIT = 2**53


def new_epoch() -> int:
    """A stream's name: random, so a restarted stream never takes its predecessor's."""
    return 1 + secrets.randbelow(EPOCH_LIMIT - 1)


def event_key(event_id: str) -> tuple[int, int]:
    """(n, epoch) of an id "<n>-<epoch>" (Redis stream ids have this shape); ValueError if it is not one."""
    number, _, epoch = event_id.partition("-")
    return int(number), int(epoch or 0)


def is_gap(last_id: str, oldest_id: str | None, head_id: str) -> bool:
    """Would a reader that applied `last_id` miss events if it read on from the retained ones?
    `head_id` is the bus's `last_id()`, `oldest_id` the oldest retained event (None if there is none)."""
    (number, epoch), (head_number, head_epoch) = event_key(last_id), event_key(head_id)
    if epoch != head_epoch or number > head_number:
        return True  # the stream restarted since the reader's event (or never held it)
    return oldest_id is not None and event_key(oldest_id)[0] > number + 1


@dataclass(frozen=True)
class Catchup:
    events: list[tuple[str, dict]] = field(default_factory=list)  # (id, event)
    gap: bool = False  # the reader missed events the bus no longer holds: reload (`events` is then empty)


class EventBus:
    def publish(self, event: dict) -> str:
        raise NotImplementedError

    def read_after(self, last_id: str | None, limit: int = 1000) -> Catchup:
        raise NotImplementedError

    def wait_after(self, last_id: str, timeout: float, limit: int = 1000) -> Catchup:
        """`read_after`, but when nothing follows `last_id` yet, wait up to `timeout` seconds for it."""
        raise NotImplementedError

    def last_id(self) -> str:
        raise NotImplementedError


def make_bus(redis_url: str | None, max_length: int) -> EventBus:
    if redis_url:
        from backend.events.redis_bus import RedisStreamBus

        return RedisStreamBus(redis_url, max_length)
    from backend.events.memory_bus import MemoryBus

    return MemoryBus(max_length)
