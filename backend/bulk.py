"""Bulk writes, the fastest way each database offers, inside the caller's transaction.

PostgreSQL takes COPY at about four times the rate of multi-row INSERTs here
(12,000 vs 3,200 reports/s of three rows each, benchmarks/ingest.py), so it
gets COPY, with ids reserved from the table's sequence when the caller needs
them; SQLite gets batched INSERTs.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, Table, insert, text

BATCH = 5_000  # rows per INSERT on SQLite: keeps statement size and memory flat at any scale
# Below this many rows COPY's extra round trips cost more than they save: a
# single hotline report is faster as one INSERT.
COPY_FROM_ROWS = 50


def _naive_utc(value):
    """What models.UTCDateTime stores; COPY bypasses SQLAlchemy's type processing."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _copy(connection: Connection, table: Table, rows: list[dict]) -> None:
    columns = list(rows[0])
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_naive_utc(row[column]) for column in columns])


def _copying(connection: Connection, rows: list[dict]) -> bool:
    return connection.dialect.name == "postgresql" and len(rows) >= COPY_FROM_ROWS


def insert_rows(connection: Connection, table: Table, rows: list[dict]) -> None:
    """Write rows (all with the same keys)."""
    if not rows:
        return
    if _copying(connection, rows):
        _copy(connection, table, rows)
        return
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start:start + BATCH])


def insert_returning_ids(connection: Connection, table: Table, rows: list[dict]) -> list[int]:
    """Write rows and answer their new ids, in the order of `rows`."""
    if not rows:
        return []
    if _copying(connection, rows):
        ids = connection.execute(text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                                      "FROM generate_series(1, :n)"), {"n": len(rows)}).scalars().all()
        _copy(connection, table, [{"id": i, **row} for i, row in zip(ids, rows)])
        return ids
    return connection.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).all()
