"""Each server process follows the event stream for its own screens: waiting reads, one push per room and
batch, and `prev`, the room's previous event, so a screen can tell it missed one."""
import os
import threading

import pytest

from backend.events.memory_bus import MemoryBus
from backend.events.redis_bus import RedisStreamBus
from dashboard.realtime import Follower
from tests.conftest import require
from tests.servers import wait_for

PLACED = {"city_id": 1, "district_id": 10, "community_id": 100, "grid_id": 1000}


@pytest.fixture
def redis_bus():
    url = os.environ.get("REDIS_URL", "")
    require(url.startswith("redis"), "Redis (REDIS_URL)")
    stream = RedisStreamBus(url, 1000, stream="test:follower")
    stream.delete()
    yield stream
    stream.delete()


@pytest.fixture(params=["memory", "redis"])
def bus(request):
    return MemoryBus(1000) if request.param == "memory" else request.getfixturevalue("redis_bus")


def test_a_waiting_read_returns_as_soon_as_an_event_is_published(bus):
    start = bus.last_id()
    assert bus.wait_after(start, timeout=0.05).events == []  # nothing yet: it gives up after the timeout
    published = threading.Event()

    def publish_later():
        published.wait()
        bus.publish({"kind": "case.collect", **PLACED})

    threading.Thread(target=publish_later).start()
    published.set()
    batch = bus.wait_after(start, timeout=30)  # returns on publication, long before 30 s
    assert [event["kind"] for _, event in batch.events] == ["case.collect"] and not batch.gap


def test_a_waiting_read_from_another_stream_is_told_of_the_gap(bus):
    bus.publish({"kind": "case.collect", **PLACED})
    assert bus.wait_after("1-1", timeout=0.05).gap  # epoch 1 is never drawn: another stream's id


class Recorder:
    """Stands in for Flask-SocketIO's server: what would be emitted, to whom."""

    def __init__(self):
        self.sent: list[tuple[str, object, str | None]] = []

    def emit(self, name, data, to=None, ignore_queue=False):
        assert ignore_queue  # each process pushes to its own clients; Redis pub/sub would drop during outages
        self.sent.append((name, data, to))


def test_a_batch_goes_once_to_each_room_with_the_rooms_previous_event():
    bus, socket = MemoryBus(1000), Recorder()
    follower = Follower(bus, socket)
    other_street = {**PLACED, "community_id": 200, "grid_id": 2000}
    first = bus.publish({"kind": "case.collect", **PLACED})
    second = bus.publish({"kind": "case.collect", **other_street})
    follower.push(bus.read_after(None).events)
    by_room = {to: [(e["id"], e["prev"]) for e in data] for _, data, to in socket.sent}
    assert by_room["grid:1"] == [(first, None), (second, first)]  # the city hears both, in one message
    assert by_room["grid:100"] == [(first, None)] and by_room["grid:200"] == [(second, None)]
    assert follower.last_in("grid:100") == first and follower.last_in("grid:1") == second
    third = bus.publish({"kind": "case.register", **PLACED})
    socket.sent.clear()
    follower.push(bus.read_after(second).events)
    heard = {to: data[0] for _, data, to in socket.sent}
    assert heard["grid:100"]["id"] == third and heard["grid:100"]["prev"] == first  # street 200's event skipped


def test_the_follower_pushes_what_is_published_and_reloads_screens_when_the_stream_restarts(redis_bus):
    socket = Recorder()
    follower = Follower(redis_bus, socket)
    stop = threading.Event()
    thread = threading.Thread(target=follower.run, args=(stop,))
    redis_bus.publish({"kind": "case.collect", **PLACED})
    thread.start()
    try:
        wait_for(lambda: any(name == "events" for name, _, _ in socket.sent), "the first push")
        redis_bus.delete()  # what a Redis restart without its data leaves: an empty stream, a new epoch to come
        wait_for(lambda: any(name == "reload" for name, _, _ in socket.sent), "the reload")
        # The follower goes on with the new stream from its head: what came before is in the screens' reload.
        wait_for(lambda: redis_bus.publish({"kind": "case.register", **PLACED})
                 and [n for n, _, _ in socket.sent][-1] == "events", "a push from the new stream")
        city_heard = [name for name, _, to in socket.sent if to in (None, "grid:1")]  # reload goes to everyone
        assert city_heard[:2] == ["events", "reload"]
    finally:
        stop.set()
        thread.join(timeout=10)
