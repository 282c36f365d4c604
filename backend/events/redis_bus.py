"""Redis Streams: one stream shared by every server process (REDIS_URL)."""
from __future__ import annotations

import json

import redis

from backend.events.bus import Catchup, EventBus, is_gap

STREAM = "command-centre:events"
# Number the event and append it in one atomic step, so ids stay contiguous
# (a missing number is a dropped event) even with several publishers.
PUBLISH = """
local n = redis.call('INCR', KEYS[2])
return redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], n .. '-0', 'event', ARGV[1])
"""


class RedisStreamBus(EventBus):
    def __init__(self, url: str, max_length: int, stream: str = STREAM):
        self._redis = redis.Redis.from_url(url, decode_responses=True)
        self._max_length = max_length
        self._stream = stream
        self._publish = self._redis.register_script(PUBLISH)

    def publish(self, event: dict) -> str:
        return self._publish(keys=[self._stream, f"{self._stream}:seq"],
                             args=[json.dumps(event, ensure_ascii=False), self._max_length])

    def _ends(self) -> tuple[str | None, str | None]:
        oldest = self._redis.xrange(self._stream, count=1)
        newest = self._redis.xrevrange(self._stream, count=1)
        return (oldest[0][0] if oldest else None), (newest[0][0] if newest else None)

    def read_after(self, last_id: str | None, limit: int = 1000) -> Catchup:
        if last_id is None:
            entries = list(reversed(self._redis.xrevrange(self._stream, count=limit)))
            return Catchup([(i, json.loads(f["event"])) for i, f in entries])
        entries = self._redis.xrange(self._stream, min=f"({last_id}", count=limit)
        return Catchup([(i, json.loads(f["event"])) for i, f in entries], gap=is_gap(last_id, *self._ends()))

    def last_id(self) -> str | None:
        return self._ends()[1]

    def delete(self) -> None:
        """Drop the stream and its counter (tests)."""
        self._redis.delete(self._stream, f"{self._stream}:seq")
