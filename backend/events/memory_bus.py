"""The in-process bus of the embedded default: one server process, no Redis."""
from __future__ import annotations

import threading
from collections import deque

from backend.events.bus import Catchup, EventBus, event_key, is_gap


class MemoryBus(EventBus):
    def __init__(self, max_length: int):
        self._events: deque[tuple[str, dict]] = deque(maxlen=max_length)
        self._next = 1
        self._lock = threading.Lock()

    def publish(self, event: dict) -> str:
        with self._lock:
            event_id = f"{self._next}-0"
            self._next += 1
            self._events.append((event_id, event))
            return event_id

    def read_after(self, last_id: str | None, limit: int = 1000) -> Catchup:
        with self._lock:
            events = list(self._events)
        if last_id is None:
            return Catchup(events[-limit:] if limit else [])
        after = event_key(last_id)
        gap = is_gap(last_id, events[0][0] if events else None, events[-1][0] if events else None)
        return Catchup([e for e in events if event_key(e[0]) > after][:limit], gap=gap)

    def last_id(self) -> str | None:
        with self._lock:
            return self._events[-1][0] if self._events else None
