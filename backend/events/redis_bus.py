"""Redis Streams: one stream shared by every server process (REDIS_URL)."""
from __future__ import annotations

import json

import redis

from backend.events.bus import Catchup, EventBus, event_key, is_gap, new_epoch

STREAM = "command-centre:events"
# The stream's epoch is drawn by whoever first needs it (ARGV: a fresh candidate),
# so a Redis that restarted empty starts a new epoch and readers of the old one reload.
EPOCH = "redis.call('SET', KEYS[3], ARGV[1], 'NX')\n"
# Number the event and append it in one atomic step, so ids stay contiguous
# (a missing number is a dropped event) even with several publishers.
PUBLISH = EPOCH + """
local n = redis.call('INCR', KEYS[2])
return redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], n .. '-' .. redis.call('GET', KEYS[3]), 'event', ARGV[2])
"""
HEAD = EPOCH + "return (redis.call('GET', KEYS[2]) or '0') .. '-' .. redis.call('GET', KEYS[3])"


class RedisStreamBus(EventBus):
    def __init__(self, url: str, max_length: int, stream: str = STREAM):
        self._redis = redis.Redis.from_url(url, decode_responses=True)
        self._max_length = max_length
        self._keys = [stream, f"{stream}:seq", f"{stream}:epoch"]
        self._publish = self._redis.register_script(PUBLISH)
        self._head = self._redis.register_script(HEAD)

    def publish(self, event: dict) -> str:
        return self._publish(keys=self._keys,
                             args=[new_epoch(), json.dumps(event, ensure_ascii=False), self._max_length])

    def read_after(self, last_id: str | None, limit: int = 1000) -> Catchup:
        stream = self._keys[0]
        if last_id is None:
            entries = list(reversed(self._redis.xrevrange(stream, count=limit)))
            return Catchup([(i, json.loads(f["event"])) for i, f in entries])
        event_key(last_id)  # ValueError for what is not an id, as the in-process bus does
        entries = self._redis.xrange(stream, min=f"({last_id}", count=limit)
        # Checked after reading: had Redis restarted before the read, the entries would be a new stream's,
        # and this check sees the new epoch.
        oldest = self._redis.xrange(stream, count=1)
        if is_gap(last_id, oldest[0][0] if oldest else None, self.last_id()):
            return Catchup(gap=True)
        return Catchup([(i, json.loads(f["event"])) for i, f in entries])

    def wait_after(self, last_id: str, timeout: float, limit: int = 1000) -> Catchup:
        stream = self._keys[0]
        number, epoch = event_key(last_id)
        head_number, head_epoch = event_key(self.last_id())
        if epoch != head_epoch or number > head_number:
            return Catchup(gap=True)  # Redis restarted since: XREAD would wait for numbers the new stream has passed
        if number < head_number:
            return self.read_after(last_id, limit)  # there is something to read already (and it may be a gap)
        reply = self._redis.xread({stream: last_id}, count=limit, block=max(1, int(timeout * 1000)))
        entries = reply[0][1] if reply else []
        if entries and event_key(entries[0][0])[1] != epoch:
            return Catchup(gap=True)
        return Catchup([(i, json.loads(f["event"])) for i, f in entries])

    def last_id(self) -> str:
        return self._head(keys=self._keys, args=[new_epoch()])

    def delete(self) -> None:
        """Drop the stream, its counter and its epoch (tests)."""
        self._redis.delete(*self._keys)
