"""The event stream: outbox rows in the change's transaction, a relay that publishes them in order, and
two buses (in-process, Redis Streams) that keep the same promises."""
import os
import uuid

import pytest
from sqlalchemy import func, select

from backend.platform.config import Config
from backend.events.bus import event_key
from backend.events.memory_bus import MemoryBus
from backend.events.relay import Relay
from backend.events.types import CASE_KINDS, EVENT
from backend.cases.intake import ReportIn, submit_reports
from backend.geo.locator import GridLocator
from backend.models import Category, OutboxEvent
from backend.cases.workflow import TRANSITIONS, InvalidParams, perform
from tests.conftest import NOW, require
from tests.test_workflow import World

CONFIG = Config()


def redis_bus(max_length: int):
    from backend.events.redis_bus import RedisStreamBus

    url = os.environ.get("REDIS_URL", "")
    require(url.startswith("redis"), "Redis (REDIS_URL)")
    stream = f"test:{uuid.uuid4().hex}"
    bus = RedisStreamBus(url, max_length, stream=stream)
    return bus, bus.delete


@pytest.fixture(params=["memory", "redis"])
def make_bus(request):
    cleanups = []

    def make(max_length: int = 1000):
        if request.param == "memory":
            return MemoryBus(max_length)
        bus, cleanup = redis_bus(max_length)
        cleanups.append(cleanup)
        return bus

    yield make
    for cleanup in cleanups:
        cleanup()


def test_ids_increase_and_a_reader_catches_up_in_order(make_bus):
    bus = make_bus()
    ids = [bus.publish({"n": n, "outbox_id": n}) for n in range(10)]
    assert [event_key(i) for i in ids] == sorted(event_key(i) for i in ids) and len(set(ids)) == 10
    caught = bus.read_after(ids[3])
    assert [event["n"] for _, event in caught.events] == list(range(4, 10)) and not caught.gap
    assert [i for i, _ in caught.events] == ids[4:]
    assert bus.read_after(ids[-1]).events == [] and bus.last_id() == ids[-1]


def test_a_reader_older_than_the_stream_is_told_to_reload(make_bus):
    bus = make_bus(max_length=5)
    ids = [bus.publish({"n": n}) for n in range(12)]
    assert bus.read_after(ids[2]).gap  # events 3..6 were dropped
    recent = bus.read_after(ids[8])
    assert not recent.gap and [e["n"] for _, e in recent.events] == [9, 10, 11]
    assert not bus.read_after(ids[6]).gap  # 7 is the oldest kept: nothing missed


def test_a_reader_of_a_restarted_stream_is_told_to_reload(make_bus):
    old = make_bus()
    seen = [old.publish({"n": n}) for n in range(5)][-1]
    fresh = make_bus()  # as after a Redis restart: empty, numbering from 1 again
    assert fresh.read_after(seen).gap
    for n in range(8):  # the new stream numbers past the reader's event: only the epoch tells them apart
        fresh.publish({"n": n})
        assert fresh.read_after(seen).gap


def test_a_reader_that_started_on_an_empty_stream_misses_nothing(make_bus):
    bus = make_bus()
    start = bus.last_id()
    ids = [bus.publish({"n": n}) for n in range(3)]
    caught = bus.read_after(start)
    assert not caught.gap and [i for i, _ in caught.events] == ids


@pytest.fixture
def world(city_sessions):
    with city_sessions() as session:
        yield World(session)


def outbox_rows(session) -> list[OutboxEvent]:
    return session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()


def test_an_action_writes_its_outbox_event_in_the_same_transaction(world):
    case = world.case("collected")
    perform(world.session, world.actor("dispatcher"), case.id, "register", {}, NOW, CONFIG)
    [row] = outbox_rows(world.session)
    assert (row.kind, row.case_id, row.grid_id, row.district_id) == ("case.register", case.id, *world.chain[3:],
                                                                     world.chain[1])[:4]
    assert EVENT.validate_json(row.payload).version == case.version and row.published_at is None
    world.session.rollback()
    assert outbox_rows(world.session) == []  # a rolled-back change leaves nothing to publish


def test_a_case_event_says_where_the_case_happened(world):
    """A map adds a new case's marker from its event alone (assets/wallmarkers.js)."""
    locator = GridLocator.from_session(world.session)
    category = world.session.scalar(select(Category).where(Category.parent_id.is_not(None)))
    report = ReportIn(channel="web", description="r", category_code=category.code, lon=world.unit.centroid_lon,
                      lat=world.unit.centroid_lat)
    [result] = submit_reports(world.session, [report], locator, NOW, CONFIG)
    perform(world.session, world.actor("dispatcher"), result.case_id, "register", {}, NOW, CONFIG)
    events = [EVENT.validate_json(row.payload) for row in outbox_rows(world.session)]
    assert [(e.kind, e.lat, e.lon) for e in events] == [
        (kind, world.unit.centroid_lat, world.unit.centroid_lon) for kind in ("case.collect", "case.register")]


def test_every_way_a_case_changes_has_an_event_kind():
    assert set(CASE_KINDS) == {f"case.{action}" for action in ("collect", *TRANSITIONS)}


def test_a_refused_action_writes_no_outbox_event(world):
    case = world.case("collected")
    with pytest.raises(InvalidParams):
        perform(world.session, world.actor("dispatcher"), case.id, "cancel", {}, NOW, CONFIG)
    assert outbox_rows(world.session) == []


def test_intake_writes_one_outbox_event_per_new_case(world):
    locator = GridLocator.from_session(world.session)
    category = world.session.scalar(select(Category).where(Category.parent_id.is_not(None)))
    reports = [ReportIn(channel="web", description=f"r{i}", category_code=category.code,
                        lon=world.unit.centroid_lon, lat=world.unit.centroid_lat) for i in range(3)]
    results = submit_reports(world.session, reports, locator, NOW, CONFIG)
    assert [(r.kind, r.case_id) for r in outbox_rows(world.session)] == [("case.collect", s.case_id) for s in results]


def test_the_relay_publishes_committed_events_once_in_outbox_order(city_sessions):
    bus = MemoryBus(1000)
    relay = Relay(city_sessions, bus)
    with city_sessions() as session:
        world = World(session)
        cases = [world.case("collected") for _ in range(3)]
        for case in cases:
            perform(session, world.actor("dispatcher"), case.id, "register", {}, NOW, CONFIG)
        session.commit()
        assert relay.wake.is_set()  # a commit wakes the relay at once
        case_ids = [c.id for c in cases]
    assert relay.publish_pending() == 3
    published = [event for _, event in bus.read_after(None).events]
    assert [e["case_id"] for e in published] == case_ids
    assert [e["outbox_id"] for e in published] == sorted(e["outbox_id"] for e in published)
    assert relay.publish_pending() == 0  # nothing twice
    with city_sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.published_at.is_(None))) == 0


def test_relay_on_postgresql_into_redis_streams(postgres_url):
    from backend.platform.db import make_engine, session_factory
    from backend.platform.migrate import upgrade
    from backend.demo.seed import seed_city

    bus, cleanup = redis_bus(1000)
    engine = make_engine(postgres_url)
    upgrade(engine)
    seed_city(engine, "small", 1, NOW, demo_users=False)
    sessions = session_factory(engine)
    try:
        with sessions() as session:
            world = World(session)
            case = world.case("collected")
            perform(session, world.actor("dispatcher"), case.id, "register", {}, NOW, CONFIG)
            session.commit()
            case_id = case.id
        assert Relay(sessions, bus).publish_pending() == 1
        [(event_id, event)] = bus.read_after(None).events
        event = EVENT.validate_python({"id": event_id, **event})
        assert (event.kind, event.case_id, event.after.state) == ("case.register", case_id, "registered")
    finally:
        cleanup()
        engine.dispose()
