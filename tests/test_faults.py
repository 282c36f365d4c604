"""Faults with real processes and real services: Redis restarted mid-stream, a server killed, the database gone."""
from __future__ import annotations

import json
import os
import signal
import threading
import uuid
from collections import Counter
from contextlib import contextmanager

import psycopg
import pytest
import requests
import socketio
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from backend.platform.db import make_engine
from backend.events.bus import event_key
from backend.events.redis_bus import RedisStreamBus
from backend.events.relay import APPLICATION_NAME, LEADER_LOCK, RELAY_LOCK
from backend.models import Case, OutboxEvent
from tests.servers import RedisServer, Servers, seeded_city, server_env, wait_for

CATEGORY = "CA-01-01"


class WallClient:
    """A screen kept live over Socket.IO, holding the test's cases (`marker` in their description) the way the
    wall display holds its own (assets/live.js): it drops an event whose outbox id it has seen; told
    to reload, it reads the cases afresh (GET /api/v1/cases); reconnecting, it names the last event it saw,
    to be sent what it missed (the browser asks GET /api/v1/events instead, with the same answers)."""

    def __init__(self, base: str, token: str, marker: str):
        self.base, self.marker = base, marker
        self.headers = {"Authorization": f"Bearer {token}"}
        self.lock = threading.Lock()
        self.last_id: str | None = None
        self.shown: dict[int, int] = {}  # case id -> the version on screen
        self.reloaded: dict[int, int] = {}  # case id -> the newest version a reload read
        self.applied: dict[tuple[int, int], list[str]] = {}  # change (case id, version) -> how it was applied
        self.delivered: Counter[int] = Counter()  # outbox id -> deliveries
        self.hellos = 0
        self.reloads = 0
        self.sio = socketio.Client(reconnection_delay=0.1, reconnection_delay_max=1)
        self.sio.on("hello", self._on_hello)
        self.sio.on("events", self._on_events)
        self.sio.on("reload", lambda _data: self.reload())

    def connect(self) -> None:
        """Connect (again: with the last event id seen, to be caught up) and wait for the server's hello."""
        hellos = self.hellos
        self.sio.connect(self.base, headers=self.headers, auth=lambda: {"last_id": self.last_id or ""},
                         transports=["polling"], wait_timeout=10)
        wait_for(lambda: self.hellos > hellos, f"the hello of {self.base}")

    def _on_hello(self, data: dict) -> None:
        """Whatever the stream held when the server said hello came in the catch-up (or the reload reads it);
        anything later is pushed live: so the stream's last id is where to resume after the next reconnect."""
        with self.lock:
            self.hellos += 1
            self.last_id = data["last_id"]

    def _on_events(self, events: list[dict]) -> None:
        with self.lock:
            for event in events:
                self.delivered[event["outbox_id"]] += 1
                self.last_id = event["id"]
                if self.delivered[event["outbox_id"]] == 1:  # a repeat is dropped by its outbox id
                    self._apply((event["case_id"], event["version"]), f"event {event['outbox_id']}")

    def _apply(self, change: tuple[int, int], how: str) -> None:
        case_id, version = change
        if version <= self.reloaded.get(case_id, 0):
            return  # a reload already read this change
        self.applied.setdefault(change, []).append(how)
        self.shown[case_id] = max(self.shown.get(case_id, 0), version)

    def reload(self) -> None:
        """Re-read the test's cases from the database (the REST API), as the wall does when told to reload."""
        cases = requests.get(f"{self.base}/api/v1/cases", headers=self.headers, timeout=10,
                             params={"q": self.marker, "limit": 500}).json()["items"]
        with self.lock:
            self.reloads += 1
            for case in cases:
                for version in range(1, case["version"] + 1):
                    if (case["id"], version) not in self.applied:
                        self.applied[(case["id"], version)] = [f"reload {self.reloads}"]
                self.reloaded[case["id"]] = max(self.reloaded.get(case["id"], 0), case["version"])
                self.shown[case["id"]] = max(self.shown.get(case["id"], 0), case["version"])


class Actions:
    """The state changes a test makes, each through the REST API of one of the servers."""

    def __init__(self, token: str, marker: str):
        self.headers = {"Authorization": f"Bearer {token}"}
        self.marker = marker
        self.made = 0  # state changes the API confirmed

    def report(self, base: str) -> requests.Response:
        """A new case (one change), marked as the test's."""
        return self._post(base, "/reports", {"channel": "web", "description": f"{self.marker} {self.made}",
                                             "category_code": CATEGORY})

    def register(self, base: str, case_id: int, version: int = 1) -> requests.Response:
        return self._post(base, f"/cases/{case_id}/actions/register", {"version": version, "params": {}})

    def report_and_register(self, base: str) -> None:
        """Two changes: a new case, then its registration."""
        reported = self.report(base)
        assert reported.status_code == 201, reported.text
        registered = self.register(base, reported.json()["id"])
        assert registered.status_code == 200, registered.text

    def _post(self, base: str, path: str, body: dict) -> requests.Response:
        answer = requests.post(f"{base}/api/v1{path}", headers=self.headers, json=body, timeout=10)
        self.made += answer.ok
        return answer


class World:
    """A seeded city on PostgreSQL, a private Redis, the servers and clients a test starts, and the changes it
    makes (its cases carry `marker` in their description)."""

    def __init__(self, database_url: str, redis: RedisServer):
        self.database_url, self.redis = database_url, redis
        (self.token,) = seeded_city(database_url, "dispatcher")
        self.marker = f"fault-{uuid.uuid4().hex[:8]}"
        self.engine = make_engine(database_url)
        self.servers = Servers(server_env(database_url, redis.url))
        self.clients: list[WallClient] = []
        self.actions = Actions(self.token, self.marker)

    def client(self, base: str) -> WallClient:
        """A client of the server at `base`, connected."""
        client = WallClient(base, self.token, self.marker)
        self.clients.append(client)
        client.connect()
        return client

    def changes(self) -> dict[tuple[int, int], int]:
        """Every change to the test's cases the database recorded: (case id, version) -> outbox id."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(OutboxEvent.id, OutboxEvent.case_id, OutboxEvent.payload)
                                      .join(Case, Case.id == OutboxEvent.case_id)
                                      .where(Case.description.contains(self.marker))).all()
        changes = {(case_id, json.loads(payload)["version"]): outbox_id for outbox_id, case_id, payload in rows}
        assert len(changes) == len(rows), "two outbox rows carry the same change"
        return changes

    def versions(self) -> dict[int, int]:
        """The test's cases as the database holds them now: case id -> version."""
        with self.engine.connect() as connection:
            return dict(connection.execute(select(Case.id, Case.version)
                                           .where(Case.description.contains(self.marker))).all())

    def stream(self) -> Counter[int]:
        """How often each outbox id was published to the stream."""
        return Counter(event["outbox_id"] for _, event in RedisStreamBus(self.redis.url, 1000).read_after(None).events)

    def assert_every_client_applied_every_change_once(self, made: int) -> None:
        """The database recorded exactly the `made` changes the API confirmed; each client applied every one
        (waited for), none twice, and shows what the database holds."""
        changes, versions = self.changes(), self.versions()
        assert len(changes) == self.actions.made == made
        for client in self.clients:
            wait_for(lambda: set(changes) <= set(client.applied),
                     lambda: f"{client.base} to apply {sorted(set(changes) - set(client.applied))}")
            with client.lock:
                twice = {change: how for change, how in client.applied.items() if change in changes and len(how) > 1}
                shown = {case_id: version for case_id, version in client.shown.items() if case_id in versions}
            assert not twice, f"changes applied more than once: {twice}"
            assert shown == versions

    def close(self) -> None:
        for client in self.clients:
            client.sio.disconnect()
        self.servers.stop_all()
        self.engine.dispose()


@pytest.fixture
def world(postgres_url, private_redis):
    world = World(postgres_url, private_redis)
    yield world
    world.close()


def test_redis_restarted_mid_stream_every_client_applies_every_change_exactly_once(world):
    """Redis (which keeps nothing on disk) is killed and restarted empty while changes keep coming.

    Two clients of a server process: `steady` stays connected throughout; `away` loses its connection when
    Redis goes and comes back once the restarted stream has numbered more events than it had seen, so its
    last event id names an event of the new stream too: only the stream's epoch tells that it missed events.

    Each client behaves as the wall display does: it drops an event whose outbox id it has already seen;
    told to reload, it re-reads the cases from the database (GET /api/v1/cases). A change, identified by
    (case, version), is applied when the client first learns it: by its event, or by a reload that read the
    case at that version or later (an event arriving after such a reload is dropped, the reload read it).
    "Exactly once": every change the API confirmed is applied, none twice (two outbox ids carrying one
    change would be), and the client ends showing the database's versions.
    """
    [(base, _)] = world.servers.start()
    steady, away = world.client(base), world.client(base)
    for step in range(30):
        if step == 10:
            away.sio.disconnect()
            world.redis.kill()
        if step == 20:
            world.redis.start()
        world.actions.report_and_register(base)
    stream = RedisStreamBus(world.redis.url, 1000)
    wait_for(lambda: event_key(stream.last_id())[0] > event_key(away.last_id)[0],
             "the restarted stream to number past the away client's last event")
    away.connect()
    world.assert_every_client_applied_every_change_once(made=60)
    # The restarted stream lost what it held, so every screen reads afresh once: `steady` when its server's
    # follower meets the new epoch; `away` when it asks to be caught up (and also from the follower if it
    # was back by then).
    assert steady.reloads == 1 and away.reloads in (1, 2)


def relay_leader(engine) -> int | None:
    """The id of the process whose relay leads (holds the leader's lock), if any."""
    with engine.connect() as connection:
        name = connection.scalar(text(
            "SELECT a.application_name FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = :key AND a.datname = current_database()"),
            {"key": LEADER_LOCK})
    return int(name.removeprefix(APPLICATION_NAME)) if name else None


def leader_and_standby(world) -> list:
    """Two servers: A, whose relay leads (started first, and waited for), and B, whose relay stands by."""
    [a] = world.servers.start()
    wait_for(lambda: relay_leader(world.engine) == a.process.pid, "A's relay to lead")
    return [a, *world.servers.start()]


def test_redis_restarted_while_a_process_is_not_subscribed_its_clients_still_apply_every_change(world):
    """With several processes, an event reaches the clients of the processes that did not publish it only
    through the Socket.IO Redis message queue (pub/sub), which delivers to whoever is subscribed at that
    moment. After a Redis restart each process resubscribes on its own time (python-socketio retries after
    1, 2, 4 ... 60 s); here B is frozen (SIGSTOP) across the restart and while A publishes, so B is surely
    not subscribed then (A leads, so its relay publishes). B's client must still end up applying every
    change exactly once.

    Each process follows the stream itself (dashboard/realtime.py, Follower), which is durable and ordered,
    and pushes to its own clients, telling them to reload when the stream's epoch changes.
    """
    (a, _), (b, process_b) = leader_and_standby(world)
    for base in (a, b):
        world.client(base)
    world.actions.report_and_register(b)
    # Published before Redis goes: else a loaded relay publishes them to the restarted stream beside A's.
    wait_for(lambda: len(world.stream()) == 2, "B's changes to be published")
    with frozen(process_b):
        world.redis.kill()
        world.redis.start()
        world.actions.report_and_register(a)
        wait_for(lambda: len(world.stream()) == 2, "A to publish to the restarted stream")
    world.actions.report_and_register(b)
    world.assert_every_client_applied_every_change_once(made=6)


def relay_waits_holding_its_lock(engine) -> bool:
    """A relay holds the relay's advisory lock and waits for a row lock (to mark what it has published)."""
    with engine.connect() as connection:  # a new transaction each time: pg_stat_activity is a snapshot
        return bool(connection.scalar(text(
            "SELECT count(*) FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = :key AND a.wait_event_type = 'Lock'"),
            {"key": RELAY_LOCK}))


def unpublished(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).where(OutboxEvent.published_at.is_(None)))


@contextmanager
def frozen(process):
    """The process stopped (SIGSTOP) for the block: none of its threads runs; it keeps what it holds."""
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


def test_events_a_killed_process_committed_reach_the_survivors_clients_exactly_once(world):
    """Server A commits changes it has not published, dies by SIGKILL holding the relay's lock, and the
    survivor B publishes them: B's client applies each exactly once (as in the Redis restart test).

    Arranged without timing. A starts first and leads, so its relay is the one that publishes. The test
    holds the relay's advisory lock itself, so no relay publishes, while A commits the `first` reports, and
    has locked those outbox rows when it lets go: A's relay publishes them to the stream, then waits to mark
    them, holding the lock. A then commits the `second` reports, which its stuck relay never publishes, and
    is killed. Its transaction dies with it (once the test lets go of the rows), and B, now leading,
    publishes the first reports again (a reader drops them by outbox id) and the second for the first time.
    """
    (a, process_a), (b, process_b) = leader_and_standby(world)
    client = world.client(b)
    with world.engine.connect() as lock_holder, world.engine.connect() as row_locker:
        lock_holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": RELAY_LOCK})
        for _ in range(3):
            assert world.actions.report(a).status_code == 201
        first = row_locker.scalars(select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None))
                                   .with_for_update()).all()
        lock_holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": RELAY_LOCK})
        wait_for(lambda: relay_waits_holding_its_lock(world.engine), "A's relay to publish, then wait")
        assert world.stream() == Counter(first)
        for _ in range(3):
            assert world.actions.report(a).status_code == 201
        process_a.kill()
        process_a.wait()
        row_locker.rollback()
    wait_for(lambda: unpublished(world.engine) == 0, "B to publish what A left")
    world.assert_every_client_applied_every_change_once(made=6)
    second = sorted(set(world.changes().values()) - set(first))
    assert world.stream() == Counter(first * 2 + second)
    assert {i: client.delivered[i] for i in first + second} == Counter(first * 2 + second)  # applied once each


@contextmanager
def refusing_connections(database_url: str):
    """The database refuses every connection and its open ones are cut, as when its server is down."""
    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{url.database}" WITH ALLOW_CONNECTIONS false')
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                           (url.database,))
        try:
            yield
        finally:
            connection.execute(f'ALTER DATABASE "{url.database}" WITH ALLOW_CONNECTIONS true')


def test_an_action_while_the_database_is_unavailable_answers_503_and_publishes_nothing(world):
    """With the database gone, a report and a workflow action are answered 503 with a JSON error that names
    the database (not a 500 with a traceback); back again, the same action succeeds, and the stream holds
    the changes that were made and nothing of the refused ones. (It may hold the first change twice: cut off
    from the database after publishing it, the relay could not mark it, and published it again.)"""
    [(base, _)] = world.servers.start()
    world.client(base)
    reported = world.actions.report(base)
    assert reported.status_code == 201, reported.text
    case = reported.json()
    with refusing_connections(world.database_url):
        for refused in (world.actions.report(base), world.actions.register(base, case["id"])):
            assert refused.status_code == 503, refused.text
            assert refused.json() == {"code": "database_unavailable",
                                      "message": "the database is unavailable; try again in a moment"}
    assert world.actions.register(base, case["id"]).status_code == 200
    world.assert_every_client_applied_every_change_once(made=2)
    assert set(world.stream()) == set(world.changes().values())
