"""Bulk writes into several tables at once, on SQLite and PostgreSQL (backend.platform.bulk)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text, func, select

from backend.platform.bulk import COPY_FROM_ROWS, insert_rows_into
from backend.platform.db import make_engine
from backend.models import UTCDateTime

AT = datetime(2026, 11, 27, 8, 30, tzinfo=timezone(timedelta(hours=8)))  # stored as 00:30 UTC

metadata = MetaData()
parent = Table("bulk_parent", metadata, Column("id", Integer, primary_key=True), Column("at", UTCDateTime),
               Column("name", Text))
child = Table("bulk_child", metadata, Column("id", Integer, primary_key=True),
              Column("parent_id", ForeignKey("bulk_parent.id"), nullable=False), Column("note", Text))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else f"sqlite:///{tmp_path}/b.db"
    engine = make_engine(url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _counts(engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return tuple(connection.scalar(select(func.count()).select_from(t)) for t in (parent, child))


@pytest.mark.parametrize("rows", [3, COPY_FROM_ROWS])  # a few, pipelined on PostgreSQL; many, copied
def test_rows_for_several_tables_are_written_in_order_with_times_in_utc(engine, rows):
    with engine.begin() as connection:
        insert_rows_into(connection, [
            (parent, [{"id": i, "at": AT, "name": f"网格 {i}"} for i in range(rows)]),
            (child, [{"parent_id": i, "note": None} for i in range(rows)]),  # needs its parent written first
            (parent, [])])
    with engine.connect() as connection:
        assert connection.execute(select(parent.c.at, parent.c.name).where(parent.c.id == 1)).one() == (
            AT.astimezone(timezone.utc), "网格 1")
    assert _counts(engine) == (rows, rows)


def test_a_rejected_row_fails_the_write_and_its_transaction_keeps_nothing(engine):
    with pytest.raises(Exception, match="(?i)foreign key"):
        with engine.begin() as connection:
            insert_rows_into(connection, [(parent, [{"id": 1, "at": AT, "name": "a"}]),
                                          (child, [{"parent_id": 1, "note": "ok"}, {"parent_id": 99, "note": "no"}])])
    assert _counts(engine) == (0, 0)
