"""Plain rows into a table, skipping model instances: COPY on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models


def insert_rows(
    model: type[models.Model], columns: list[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert plain rows, skipping model instances: tens of thousands of stop times per feed.

    COPY on PostgreSQL, one prepared INSERT on SQLite.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            values = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({values})"  # noqa: S608 (our own names)
            cursor.executemany(sql, list(rows))
