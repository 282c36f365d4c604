"""On SQLite, a transaction that reads before it writes holds the write lock from its start (backend.platform.db)."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from backend.platform.db import begin_writing, make_engine, session_factory


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "writers.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    yield path, session_factory(engine)
    engine.dispose()


def _other_writer_may_begin(path) -> bool:
    """Whether another connection could start writing now (it does not wait: timeout 0)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


def test_a_writing_transaction_keeps_other_writers_out_from_its_first_read(database):
    path, sessions = database
    with sessions() as session:
        begin_writing(session)
        session.execute(text("SELECT count(*) FROM t"))
        # Had another writer committed now, this transaction's later INSERT would fail ("database is locked").
        assert not _other_writer_may_begin(path)
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.commit()
    assert _other_writer_may_begin(path)


def test_a_reading_transaction_leaves_writers_free(database):
    path, sessions = database
    with sessions() as session:
        session.execute(text("SELECT count(*) FROM t"))
        assert _other_writer_may_begin(path)  # wall displays read while reports are written
