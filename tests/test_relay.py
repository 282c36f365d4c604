"""What wakes the relay: commits that wrote outbox rows (never its own), on PostgreSQL a NOTIFY from any
process, and otherwise only its poll; and the migration that installs the NOTIFY trigger."""
import threading
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, text

from backend.platform.config import Config
from backend.platform.db import make_engine, session_factory
from backend.events.memory_bus import MemoryBus
from backend.events import relay as relay_module
from backend.events.relay import CHANNEL, Relay
from backend.cases.intake import ReportIn, submit_reports
from backend.geo.locator import GridLocator
from backend.platform.migrate import _alembic_config, current_revision, head_revision, upgrade
from backend.models import Base, Category, OutboxEvent
from backend.cases.workflow import perform
from tests.conftest import NOW
from tests.servers import wait_for
from tests.test_workflow import World

CONFIG = Config()
# How long a relay woken by NOTIFY may take to publish: generous for a loaded machine, and far below the
# hour-long poll of the relays in these tests, so only a wake can meet it.
DEADLINE = 10.0
TRIGGERS = {"postgresql": "SELECT tgname FROM pg_trigger WHERE tgrelid = 'outbox_event'::regclass AND NOT tgisinternal",
            "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'outbox_event'"}


class CountingRelay(Relay):
    """A relay that counts its finished publishing cycles, so a test knows when one is over."""

    cycles = 0

    def publish_pending(self) -> int:
        try:
            return super().publish_pending()
        finally:
            self.cycles += 1


@contextmanager
def running(relay: Relay):
    """The relay's `run` in a thread, as a serving process runs it; stopped (listener and all) on leaving."""
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        relay.wake.set()  # run sees `stop` at its next wake (or poll, an hour away in some tests)
        thread.join(DEADLINE)
        assert not thread.is_alive(), "the relay did not stop"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def pg_engines(postgres_url):
    """Two engines on one migrated PostgreSQL database: the relay's process's, and another process's."""
    engines = [make_engine(postgres_url) for _ in range(2)]
    upgrade(engines[0])
    yield engines
    for engine in engines:
        engine.dispose()


def listeners(engine) -> list[int]:
    """The server processes of connections LISTENing for the outbox (a new snapshot each call)."""
    with engine.connect() as connection:
        return connection.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND query = :listen"), {"listen": f"LISTEN {CHANNEL}"}).all()


def write_outbox_row(engine) -> None:
    """An outbox row committed through `engine`, as a request in another process would."""
    with engine.begin() as connection:
        connection.execute(insert(OutboxEvent).values(created_at=datetime.now(timezone.utc), kind="case.test",
                                                      payload='{"kind": "case.test"}'))


def idle_after_connecting(relay: CountingRelay, engine, cycles: int) -> bool:
    """The relay LISTENs and has finished `cycles` cycles with no wake pending: only a new wake can publish."""
    return bool(listeners(engine)) and relay.cycles == cycles and not relay.wake.is_set()


def test_only_commits_that_wrote_outbox_rows_wake_the_relay(city_sessions):
    relay = Relay(city_sessions, MemoryBus(100))
    with city_sessions() as session:
        world = World(session)
        dispatcher = world.actor("dispatcher")
        first, second = world.case("collected"), world.case("collected")
        session.commit()
        assert not relay.wake.is_set()  # a change that wrote no outbox row
        perform(session, dispatcher, first.id, "register", {}, NOW, CONFIG)
        session.rollback()
        world.case("collected")
        session.commit()
        assert not relay.wake.is_set()  # an outbox write rolled back is forgotten
        with session.begin_nested():  # as the sweeper acts, one savepoint per case
            perform(session, dispatcher, second.id, "register", {}, NOW, CONFIG)
        assert not relay.wake.is_set()  # a released savepoint is not yet a commit
        session.commit()
        assert relay.wake.is_set()
    relay.wake.clear()
    assert relay.publish_pending() == 1
    assert not relay.wake.is_set()  # its own commit (marking rows published) does not wake it


def test_new_reports_wake_the_relay(city_sessions):
    relay = Relay(city_sessions, MemoryBus(100))
    with city_sessions() as session:
        world = World(session)
        category = session.scalar(select(Category).where(Category.parent_id.is_not(None)))
        report = ReportIn(channel="web", description="r", category_code=category.code,
                          lon=world.unit.centroid_lon, lat=world.unit.centroid_lat)
        submit_reports(session, [report], GridLocator.from_session(session), NOW, CONFIG)
        session.commit()
    assert relay.wake.is_set()


def test_an_idle_relay_runs_only_at_its_poll(empty_database_url):
    engine = make_engine(empty_database_url)
    upgrade(engine)
    relay = CountingRelay(session_factory(engine), MemoryBus(100))
    try:
        with running(relay):
            threading.Event().wait(1.0)  # a period to count cycles in, not a synchronisation
    finally:
        engine.dispose()
    # About 3 at the half-second poll (one more on PostgreSQL as the listener connects); waking itself with
    # its own commit, the relay ran thousands.
    assert relay.cycles < 20


def test_a_commit_in_another_process_wakes_the_relay_long_before_its_poll(pg_engines):
    own, other = pg_engines
    bus = MemoryBus(100)
    relay = CountingRelay(session_factory(own), bus, poll_seconds=3600)
    with running(relay):
        wait_for(lambda: idle_after_connecting(relay, other, cycles=1), "the relay to LISTEN and go idle")
        write_outbox_row(other)
        wait_for(lambda: bus.read_after(None).events, "the relay to publish the row", DEADLINE)
    assert listeners(other) == []  # stopped, the relay closed its LISTEN connection


def test_the_relay_listens_again_when_its_connection_is_cut(pg_engines):
    own, other = pg_engines
    bus = MemoryBus(100)
    relay = CountingRelay(session_factory(own), bus, poll_seconds=3600)
    with running(relay):
        wait_for(lambda: idle_after_connecting(relay, other, cycles=1), "the relay to LISTEN and go idle")
        [cut] = listeners(other)
        with other.connect() as connection:
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut})
        # Reconnected, it publishes at once whatever was committed meanwhile: one more cycle.
        wait_for(lambda: idle_after_connecting(relay, other, cycles=2) and cut not in listeners(other),
                 "the relay to LISTEN again and go idle")
        write_outbox_row(other)
        wait_for(lambda: bus.read_after(None).events, "the relay to publish the row", DEADLINE)


def test_one_relay_leads_and_a_standby_takes_over_when_it_stops(pg_engines, monkeypatch):
    """Of two processes' relays the first leads and publishes; the other does nothing until the leader is
    gone (its LISTEN connection closed), then leads and publishes."""
    monkeypatch.setattr(relay_module, "STANDBY_SECONDS", 0.05)
    bus = MemoryBus(100)
    leader, standby = (CountingRelay(session_factory(engine), bus, poll_seconds=3600) for engine in pg_engines)
    with ExitStack() as leading:
        leading.enter_context(running(leader))
        wait_for(leader.leading.is_set, "the first relay to lead")
        with running(standby):
            write_outbox_row(pg_engines[1])
            wait_for(lambda: len(bus.read_after(None).events) == 1, "the leader to publish", DEADLINE)
            assert not standby.leading.is_set() and standby.cycles == 0  # stood by: not one round
            leading.close()
            wait_for(standby.leading.is_set, "the standby to take the lead", DEADLINE)
            write_outbox_row(pg_engines[0])
            wait_for(lambda: len(bus.read_after(None).events) == 2, "the new leader to publish", DEADLINE)


def notify_triggers(engine) -> list[str]:
    with engine.connect() as connection:
        return connection.scalars(text(TRIGGERS[engine.dialect.name])).all()


def test_the_notify_migration_upgrades_and_downgrades_cleanly(empty_database_url):
    """A trigger on PostgreSQL, nothing on SQLite; gone on downgrade, back on upgrade, and no drift."""
    engine = make_engine(empty_database_url)
    expected = ["outbox_event_notify"] if engine.dialect.name == "postgresql" else []
    try:
        upgrade(engine)
        assert current_revision(engine) == head_revision() and notify_triggers(engine) == expected
        command.downgrade(_alembic_config(engine), "0004")
        assert current_revision(engine) == "0004" and notify_triggers(engine) == []
        upgrade(engine)
        assert current_revision(engine) == head_revision() and notify_triggers(engine) == expected
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()
