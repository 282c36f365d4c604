"""The initial migration builds the models' schema from empty, on SQLite and PostgreSQL alike."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend.db import make_engine
from backend.migrate import SchemaOutOfDate, current_revision, ensure_schema, head_revision
from backend.models import Base


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


def test_database_with_foreign_tables_is_not_migrated_blindly(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'other.sqlite'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE something_else (id INTEGER)")
    with pytest.raises(SchemaOutOfDate, match="python -m dashboard db upgrade"):
        ensure_schema(engine)


def test_sqlite_savepoint_rolls_back_inside_the_outer_transaction(tmp_path):
    """A savepoint released early must not commit: the outer rollback undoes everything."""
    from sqlalchemy import text

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
