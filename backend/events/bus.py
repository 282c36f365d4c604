"""The event bus: what every implementation promises.

- `publish(event)` appends an event and answers its id: "<n>-0" with n
  counting 1, 2, 3... in publish order, so a missing number means a dropped
  event (ids also order with `event_key`).
- `read_after(last_id)` answers the retained events after `last_id`, in
  order. The bus keeps a bounded number of events (the stream length); a
  reader whose `last_id` is older than what is kept, or newer than anything
  the bus has (the stream restarted empty, e.g. Redis lost its memory), is
  told so (`gap`) and must reload its state from the database instead of
  silently missing events.

Events are plain dicts; each carries `outbox_id`, so a reader drops an
event it has already applied even if a relay crash made it publish twice.
Choosing an implementation is configuration (`make_bus`); callers never
branch on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field


def event_key(event_id: str) -> tuple[int, int]:
    """Order of ids: Redis stream ids look like "1764115200000-3"."""
    millis, _, sequence = event_id.partition("-")
    return int(millis), int(sequence or 0)


def is_gap(last_id: str | None, oldest_id: str | None, newest_id: str | None) -> bool:
    """Would a reader that applied `last_id` miss events if it read on from the retained ones?"""
    if last_id is None:
        return False
    if newest_id is None or event_key(last_id) > event_key(newest_id):
        return True  # the stream restarted: the reader is ahead of it
    return event_key(oldest_id)[0] > event_key(last_id)[0] + 1


@dataclass(frozen=True)
class Catchup:
    events: list[tuple[str, dict]] = field(default_factory=list)  # (id, event)
    gap: bool = False  # `last_id` is older than the oldest retained event: reload


class EventBus:
    def publish(self, event: dict) -> str:
        raise NotImplementedError

    def read_after(self, last_id: str | None, limit: int = 1000) -> Catchup:
        raise NotImplementedError

    def last_id(self) -> str | None:
        raise NotImplementedError


def make_bus(redis_url: str | None, max_length: int) -> EventBus:
    if redis_url:
        from backend.events.redis_bus import RedisStreamBus

        return RedisStreamBus(redis_url, max_length)
    from backend.events.memory_bus import MemoryBus

    return MemoryBus(max_length)
