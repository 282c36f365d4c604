"""Schema migrations with Alembic, configured in code (no alembic.ini to keep in sync)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database has tables but is not at the code's revision."""


def _alembic_config(engine: Engine) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(_alembic_config(engine), revision)


def ensure_schema(engine: Engine) -> bool:
    """Migrate a new empty database; refuse to serve an old schema. True if it migrated."""
    current = current_revision(engine)
    if current == head_revision():
        return False
    if current is None and not inspect(engine).get_table_names():
        upgrade(engine)
        return True
    raise SchemaOutOfDate(
        f"the database schema is at revision {current or 'none (unknown tables)'}, the code needs "
        f"{head_revision()}; back it up, then run: python -m dashboard db upgrade")
