"""Who is online: the register of connections, in process and in Redis (shared by several processes), and what
rooms hear when it changes."""
import os
import threading
from collections import defaultdict

import pytest

from dashboard.presence import MemoryRegister, Person, Presence, RedisRegister, online_in
from tests.conftest import require

CITY, DISTRICT, STREET_A, STREET_B = 1, 10, 100, 200
DUTY = Person(1, "值班员", "duty_officer", (CITY,))
DISPATCHER_A = Person(2, "调度员甲", "dispatcher", (CITY, DISTRICT, STREET_A))
DISPATCHER_B = Person(3, "调度员乙", "dispatcher", (CITY, DISTRICT, STREET_B))


@pytest.fixture(params=["memory", "redis"])
def register(request):
    if request.param == "memory":
        yield MemoryRegister()
        return
    url = os.environ.get("REDIS_URL", "")
    require(url.startswith("redis"), "Redis (REDIS_URL)")
    shared = RedisRegister(url, prefix="test:presence:")
    yield shared
    for sid in ("a", "b", "c", "d"):
        shared.remove(sid)


def test_each_scope_sees_its_own_people_and_those_below_once_each(register):
    for sid, person in (("a", DUTY), ("b", DISPATCHER_A), ("c", DISPATCHER_B), ("d", DISPATCHER_A)):
        register.add(sid, person)
    everyone = register.everyone()
    assert [p["name"] for p in online_in(everyone, CITY)] == ["调度员乙", "调度员甲", "值班员"]  # by role, name
    assert [p["name"] for p in online_in(everyone, STREET_A)] == ["调度员甲"]  # two screens, one person
    assert online_in(everyone, 999) == []
    assert register.remove("b") == DISPATCHER_A and register.remove("b") is None
    assert [p["name"] for p in online_in(register.everyone(), STREET_A)] == ["调度员甲"]  # screen d is still open
    register.remove("d")
    assert online_in(register.everyone(), STREET_A) == []


def test_a_process_renews_its_own_entries_in_redis_which_otherwise_expire():
    url = os.environ.get("REDIS_URL", "")
    require(url.startswith("redis"), "Redis (REDIS_URL)")
    import redis

    process = RedisRegister(url, prefix="test:presence-ttl:")
    process.add("x", DUTY)
    keys = redis.Redis.from_url(url)
    keys.expire("test:presence-ttl:x", 1)  # as if the entry were about to lapse
    process.renew()
    assert keys.ttl("test:presence-ttl:x") > 60  # renewed to the full entry time
    keys.delete("test:presence-ttl:x")  # what expiry does to a killed process's entries
    assert process.everyone() == []


class Rooms:
    """What a Socket.IO server is asked to send, room by room."""

    def __init__(self):
        self.heard: dict[str, list] = defaultdict(list)

    def emit(self, event: str, data, to: str) -> None:
        self.heard[to].append(data)


class SlowFirstRead(MemoryRegister):
    """A register whose first read of everyone is held until `go`: what it answers then is what it held before."""

    def __init__(self):
        super().__init__()
        self.reading, self.go = threading.Event(), threading.Event()

    def everyone(self):
        people = super().everyone()
        if not self.reading.is_set():
            self.reading.set()
            self.go.wait()
        return people


def test_when_two_screens_of_one_person_close_at_once_the_last_list_a_room_hears_is_without_them():
    register, rooms = SlowFirstRead(), Rooms()
    for sid, person in (("duty", DUTY), ("a1", DISPATCHER_A), ("a2", DISPATCHER_A)):
        register.add(sid, person)
    presence = Presence(rooms, register)
    first = threading.Thread(target=presence.leave, args=("a1",))
    first.start()
    assert register.reading.wait(timeout=10)  # the first departure's list is read (a2 still open), not yet sent
    presence.leave("a2")
    register.go.set()
    first.join(timeout=10)
    assert [p["name"] for p in rooms.heard[f"grid:{CITY}"][-1]] == ["值班员"]
    assert rooms.heard[f"grid:{STREET_A}"][-1] == []
