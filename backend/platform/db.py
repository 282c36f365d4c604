"""Engines and sessions: SQLite (WAL, foreign keys) by default, PostgreSQL by URL.

Connection problems become `DatabaseUnavailable` with a message a person can
act on; callers never see a driver traceback.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, FunctionElement, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker


# A pooled PostgreSQL connection idle longer than this is pinged before use (`_ping_if_idle`).
PING_IDLE_SECONDS = 1.0
# The execution option that makes SQLite begin a transaction holding the write lock (`begin_writing`).
WRITING = "command_centre_writing"


class DatabaseUnavailable(RuntimeError):
    """The database URL is malformed or the server cannot be reached."""


def normalise_url(url: str) -> str:
    """Validate a database URL and point plain PostgreSQL URLs at psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"DATABASE_URL {url!r} is not a database URL; expected e.g. "
            "postgresql://user:password@127.0.0.1:5432/dbname or sqlite:///path/to/file.sqlite") from None
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise DatabaseUnavailable(
            f"DATABASE_URL uses {parsed.get_backend_name()!r}; only postgresql and sqlite are supported")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(dbapi_connection, _record) -> None:
    # The stdlib driver begins transactions late and on its own terms, so a
    # SAVEPOINT taken before the first write committed on release. SQLAlchemy's
    # documented remedy: turn its handling off and BEGIN ourselves (_begin_sqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the wall display read while the simulator writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # NORMAL is durable across application crashes in WAL mode; only a power
    # loss may drop the last transactions, which FULL would cost an fsync each.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITING) else "BEGIN")


def begin_writing(session: Session) -> None:
    """Begin the session's transaction as one that will write (call it before the first statement).

    On SQLite a transaction that reads and then writes fails with "database is locked", whatever the busy
    timeout, when another connection committed in between: its snapshot is out of date. Taking the write
    lock at the start (BEGIN IMMEDIATE) makes it wait for the other writer instead. PostgreSQL needs nothing.
    """
    session.connection(execution_options={WRITING: True})


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # 30 s busy timeout: a writer waits for another writer's transaction
        # (a bulk seed can hold the lock for seconds) instead of failing.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    # connect_timeout 5 s: an unreachable server should fail fast at start-up.
    engine = create_engine(url, pool_size=10, max_overflow=20, connect_args={"connect_timeout": 5})
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", _pinging_if_idle(engine.dialect))
    return engine


def _note_idle(dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _pinging_if_idle(dialect):
    """Check a pooled connection that lay idle before handing it out: a server restart leaves dead ones.

    A connection back in use within PING_IDLE_SECONDS is not pinged: under load that round trip, on
    every checkout (`pool_pre_ping`), cost a tenth of a report's work. Raising DisconnectionError makes
    the pool drop the connection and hand out a new one.
    """
    def checkout(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from None

    return checkout


def describe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseUnavailable(
            f"cannot reach the database at {engine.url.render_as_string(hide_password=True)}: {reason}. "
            "Is the server running and DATABASE_URL right?") from None


def one_snapshot(session: Session) -> None:
    """Let every statement of the session's (new) transaction see the same moment of the database.

    PostgreSQL's default isolation gives each statement its own snapshot; SQLite's
    transactions see one already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def check_redis(url: str) -> None:
    """Fail at start-up, with a clear message, when REDIS_URL points nowhere."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except ValueError as error:
        raise DatabaseUnavailable(f"REDIS_URL {url!r} is not a Redis URL ({error}); expected redis://host:6379/0") from None
    except redis.RedisError as error:
        raise DatabaseUnavailable(f"cannot reach Redis at {url}: {error}. Is it running and REDIS_URL right?") from None


@contextmanager
def scratch_postgres(server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of `server_url`, dropped afterwards (tests, benchmarks)."""
    import psycopg
    from psycopg import sql

    server = make_url(normalise_url(server_url))
    admin = server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


class rare(FunctionElement):  # lower case: used as a SQL function
    """A condition few cases meet: open states, among a million cases mostly closed (the queue's tabs, the
    wall's figures). SQLite's statistics do not say how values are spread (Python's build has no STAT4), so it
    took every state for a seventh of the cases, and read a tab's page or count along the created_at or card
    index, testing every row (0.4-0.7 s at a million); told the state is rare (`likelihood`), it reads the
    state index. PostgreSQL knows, and is told nothing."""
    inherit_cache = True
    name = "rare"


@compiles(rare)
def _rare(element: rare, compiler, **kw) -> str:
    return compiler.process(element.clauses.self_group(), **kw)


@compiles(rare, "sqlite")
def _rare_on_sqlite(element: rare, compiler, **kw) -> str:
    return f"likelihood({compiler.process(element.clauses, **kw)}, 0.001)"
