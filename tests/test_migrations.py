"""The migrations build the models' schema from empty, on SQLite and PostgreSQL alike, and each keeps its promise."""
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, text
from sqlalchemy.exc import IntegrityError

from backend.platform.db import make_engine
from backend.platform.migrate import (SchemaOutOfDate, _alembic_config, current_revision, ensure_schema, head_revision,
                                      upgrade)
from backend.models import Base, Job
from tests.conftest import NOW


def _assert_upgrades_from_empty(url: str) -> None:
    engine = make_engine(url)
    try:
        assert current_revision(engine) is None
        assert ensure_schema(engine) is True
        assert current_revision(engine) == head_revision()
        assert ensure_schema(engine) is False  # idempotent
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_upgrade_from_empty_on_sqlite(tmp_path):
    _assert_upgrades_from_empty(f"sqlite:///{tmp_path / 'empty.sqlite'}")


def test_upgrade_from_empty_on_postgresql(postgres_url):
    _assert_upgrades_from_empty(postgres_url)


INDEX_SQL = {"sqlite": "SELECT sql FROM sqlite_master WHERE name = :name",
             "postgresql": "SELECT indexdef FROM pg_indexes WHERE indexname = :name"}


def _index_condition(connection, name: str) -> str:
    sql = connection.scalar(text(INDEX_SQL[connection.dialect.name]), {"name": name})
    return sql.lower().replace("(", "").replace(")", "").split(" where ")[1]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_relay_reads_what_is_left_to_publish_from_an_index_of_only_that(database, request, tmp_path):
    """Indexing all rows by published_at made each relay round visit every row published since the last vacuum."""
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else f"sqlite:///{tmp_path / 'o.sqlite'}"
    engine = make_engine(url)
    ensure_schema(engine)
    with engine.connect() as connection:
        assert _index_condition(connection, "ix_outbox_event_unpublished") == "published_at is null"
        assert _index_condition(connection, "ix_outbox_event_published_at") == "published_at is not null"
        if database == "postgresql":  # vacuumed often, so the old versions of published rows go soon
            options = connection.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'outbox_event'"))
            assert set(options) == {"autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=1000"}
    engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_jobs_migration_checks_states_and_keys_and_downgrades_cleanly(database, request, tmp_path):
    """0008: a job's status is one of four and its key unique, in the database; workers find the due jobs in
    an index of the unfinished ones only; downgraded, the table is gone, and upgraded again nothing drifts."""
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else f"sqlite:///{tmp_path / 'j.sqlite'}"
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        with engine.connect() as connection:
            condition = _index_condition(connection, "ix_job_due")
            assert "pending" in condition and "running" in condition and "done" not in condition
        job = {"kind": "sms.send", "idempotency_key": "sms:1", "payload": "{}", "status": "pending", "attempts": 0,
               "next_attempt_at": NOW, "created_at": NOW, "updated_at": NOW}
        with engine.begin() as connection:
            connection.execute(insert(Job), job)
        for refused in ({**job, "idempotency_key": "sms:2", "status": "sent"}, job):
            with pytest.raises(IntegrityError), engine.begin() as connection:
                connection.execute(insert(Job), refused)
        command.downgrade(_alembic_config(engine), "0007")
        assert "job" not in inspect(engine).get_table_names()
        upgrade(engine)
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def test_database_with_foreign_tables_is_not_migrated_blindly(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE something_else (id INTEGER)")
    with pytest.raises(SchemaOutOfDate, match="python -m dashboard db upgrade"):
        ensure_schema(engine)


def test_sqlite_savepoint_rolls_back_inside_the_outer_transaction(tmp_path):
    """A savepoint released early must not commit: the outer rollback undoes everything."""
    engine = make_engine(f"sqlite:///{tmp_path / 'tx.sqlite'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with engine.connect() as connection:
        with connection.begin() as outer:
            with connection.begin_nested():
                connection.execute(text("INSERT INTO t VALUES (1)"))
            outer.rollback()
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()
