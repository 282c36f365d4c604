"""The in-process bus of the embedded default: one server process, no Redis."""
from __future__ import annotations

import threading
from collections import deque
from itertools import islice

from backend.events.bus import Catchup, EventBus, event_key, is_gap, new_epoch


class MemoryBus(EventBus):
    def __init__(self, max_length: int):
        self._events: deque[tuple[str, dict]] = deque(maxlen=max_length)
        self._epoch = new_epoch()  # a restarted process starts a new stream: its readers must reload
        self._count = 0
        self._lock = threading.Condition()

    def publish(self, event: dict) -> str:
        with self._lock:
            self._count += 1
            event_id = f"{self._count}-{self._epoch}"
            self._events.append((event_id, event))
            self._lock.notify_all()
            return event_id

    def wait_after(self, last_id: str, timeout: float, limit: int = 1000) -> Catchup:
        number, epoch = event_key(last_id)
        with self._lock:
            self._lock.wait_for(lambda: self._count > number or epoch != self._epoch, timeout)
        return self.read_after(last_id, limit)

    def read_after(self, last_id: str | None, limit: int = 1000) -> Catchup:
        with self._lock:
            retained = len(self._events)
            if last_id is None:
                return Catchup(list(islice(self._events, max(0, retained - limit), retained)))
            if is_gap(last_id, self._events[0][0] if retained else None, self._head()):
                return Catchup(gap=True)
            # Numbers are contiguous: event n sits at index n - (the oldest's number); no scan of the stream.
            start = event_key(last_id)[0] - (self._count - retained)
            return Catchup(list(islice(self._events, start, start + limit)))

    def last_id(self) -> str:
        with self._lock:
            return self._head()

    def _head(self) -> str:
        return f"{self._count}-{self._epoch}"
