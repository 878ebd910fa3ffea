"""Bulk inserts for imports and batch creation: ids known in advance, rows straight to the driver."""

from __future__ import annotations

from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, Integer, LargeBinary, String, Table, func, select, text
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows (same keys each) straight through the driver's executemany.

    Same stored values as `session.execute(insert(table), rows)`, without SQLAlchemy's per-value
    processing, which dominates bulk imports (dates are the slow part on SQLite)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    if dialect.name == "postgresql":
        _copy_rows(connection, table, names, rows)
        return
    converters = [_driver_converter(table.c[name].type, dialect) for name in names]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    # Table and column names come from the models' metadata, quoted; values are bound parameters.
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"VALUES ({', '.join([marker] * len(names))})"
    )
    getter = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    convert_at = [(i, convert) for i, convert in enumerate(converters) if convert is not None]
    params: list[Any] = []
    for row in rows:
        values = getter(row)
        if convert_at:
            values = list(values)
            for i, convert in convert_at:
                if values[i] is not None:
                    values[i] = convert(values[i])
        params.append(tuple(values))
    connection.exec_driver_sql(sql, params)


def _copy_rows(connection: Any, table: Table, names: list[str], rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY FROM STDIN, in the session's transaction (psycopg adapts the values)."""
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    getter = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(getter(row))


def _driver_converter(type_: Any, dialect: Any) -> Any:
    """None when the driver takes the Python value as it is (bytes, str, int), else a function."""
    if isinstance(type_, LargeBinary | String | Integer):
        return None
    if dialect.name == "sqlite" and isinstance(type_, Date):
        return date.isoformat
    return type_.bind_processor(dialect)


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` new primary keys for `table`, to insert rows in bulk with their ids known.

    PostgreSQL: from the table's sequence. SQLite: after the greatest id, which is safe because
    every SQLite transaction of Parcours holds the write lock from its start (BEGIN IMMEDIATE)."""
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        query = text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)")
        return list(session.scalars(query, {"s": sequence, "n": count}))
    first = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(first, first + count))
