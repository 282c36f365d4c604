"""Pooled PostgreSQL connections: one that lay idle is checked before use, so a dead one is replaced."""
import psycopg
import pytest
from sqlalchemy import text

import backend.platform.db
from backend.platform.db import make_engine

BACKEND_PID = text("SELECT pg_backend_pid()")


@pytest.fixture
def engine(postgres_url):
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


def test_a_pooled_connection_killed_while_idle_is_replaced_unnoticed(engine, monkeypatch):
    monkeypatch.setattr(backend.platform.db, "PING_IDLE_SECONDS", 0.0)  # every returned connection counts as idle
    with engine.connect() as connection:
        first = connection.scalar(BACKEND_PID)
    libpq_url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq_url, autocommit=True) as killer:  # as a server restart would
        assert killer.execute("SELECT pg_terminate_backend(%s)", (first,)).fetchone()[0]
    with engine.connect() as connection:
        assert connection.scalar(BACKEND_PID) not in (first, None)


def test_a_connection_in_steady_use_is_not_pinged(engine, monkeypatch):
    """Back in use within PING_IDLE_SECONDS, a connection goes straight to its statement."""
    monkeypatch.setattr(backend.platform.db, "PING_IDLE_SECONDS", 3600.0)
    with engine.connect() as connection:
        first = connection.scalar(BACKEND_PID)
    pings = []
    monkeypatch.setattr(engine.dialect, "do_ping", lambda dbapi_connection: pings.append(dbapi_connection))
    for _ in range(3):
        with engine.connect() as connection:
            assert connection.scalar(BACKEND_PID) == first
    assert pings == []
