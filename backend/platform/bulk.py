"""Bulk writes, the fastest way each database offers, inside the caller's transaction.

PostgreSQL takes COPY at about four times the rate of multi-row INSERTs here
(12,000 vs 3,200 reports/s of three rows each, benchmarks/ingest.py), so it
gets COPY, with ids reserved from the table's sequence when the caller needs
them; SQLite gets batched INSERTs. A few rows for several tables at once (a
handful of single reports) go to PostgreSQL in one round trip, pipelined,
instead of one per table.
"""
from __future__ import annotations

from datetime import datetime, timezone

from psycopg import sql
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


def _into(table: Table, columns: list[str]) -> sql.Composed:
    """`table (column, ...)` as quoted identifiers, for COPY and INSERT."""
    return sql.SQL("{} ({})").format(sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns)))


def _copy(connection: Connection, table: Table, rows: list[dict]) -> None:
    columns = list(rows[0])
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(sql.SQL("COPY {} FROM STDIN").format(_into(table, columns))) as copy:
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


def insert_rows_into(connection: Connection, writes: list[tuple[Table, list[dict]]]) -> None:
    """Write rows into several tables, in order (each table's rows all with the same keys)."""
    if connection.dialect.name != "postgresql" or any(_copying(connection, rows) for _, rows in writes):
        for table, rows in writes:
            insert_rows(connection, table, rows)
        return
    driver = connection.connection.driver_connection
    with driver.pipeline(), driver.cursor() as cursor:  # sent together; errors are raised as the block ends
        for table, rows in writes:
            if rows:
                columns = list(rows[0])
                values = sql.SQL(", ").join([sql.Placeholder()] * len(columns))
                cursor.executemany(sql.SQL("INSERT INTO {} VALUES ({})").format(_into(table, columns), values),
                                   [[_naive_utc(row[column]) for column in columns] for row in rows])


def insert_returning_ids(connection: Connection, table: Table, rows: list[dict]) -> list[int]:
    """Write rows and answer their new ids, in the order of `rows`."""
    if not rows:
        return []
    if _copying(connection, rows):
        reserve = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")
        ids = connection.execute(reserve, {"table": table.name, "n": len(rows)}).scalars().all()
        _copy(connection, table, [{"id": i, **row} for i, row in zip(ids, rows)])
        return ids
    return connection.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).all()


def insert_columns(connection: Connection, table: Table, columns: dict[str, list]) -> None:
    """Write many rows given as columns (name -> values), with no per-row SQLAlchemy processing: COPY on
    PostgreSQL, the driver's executemany on SQLite. Times must already be naive UTC text
    ('YYYY-MM-DD HH:MM:SS.ffffff'), as both databases store them; used by `seed --cases` for millions of rows."""
    names = list(columns)
    rows = zip(*columns.values())
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(sql.SQL("COPY {} FROM STDIN").format(_into(table, names))) as copy:
            for row in rows:
                copy.write_row(row)
        return
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    connection.exec_driver_sql(statement, list(rows))
