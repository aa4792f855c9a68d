"""Database triggers refusing UPDATE and DELETE on the journals, from any client.

A DELETE passes only while ``consent.services.journals_unlocked()`` holds the journals open for
its own transaction (journal_purge, and flush): on PostgreSQL the transaction-local setting
``civic.purge = 'on'``; on SQLite a row in ``consent_journal_unlock``, a table no model owns so
``flush`` never empties it. UPDATE never passes. TRUNCATE (PostgreSQL's flush) is not a row
operation and is left to database privileges.

Created by migration 0002, and checked again after every ``migrate``: SQLite rebuilds a table
(dropping its triggers) for most column changes, so a later migration of a journal would
otherwise lose them silently. Every statement is idempotent.
"""

from __future__ import annotations

from typing import Any

JOURNALS = ("consent_accesslog", "consent_consentevent", "consent_journalpurge")
SQLITE_UNLOCK_TABLE = "consent_journal_unlock"

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION consent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('civic.purge', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$;
"""


def statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [POSTGRES_FUNCTION] + [
            f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION consent_append_only();"
            for table in JOURNALS
        ]
    if vendor == "sqlite":
        sql = [f"CREATE TABLE IF NOT EXISTS {SQLITE_UNLOCK_TABLE} (token TEXT NOT NULL);"]
        for table in JOURNALS:
            sql += [
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;",
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "  # noqa: S608
                f"WHEN NOT EXISTS (SELECT 1 FROM {SQLITE_UNLOCK_TABLE}) "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END;",
            ]
        return sql
    raise NotImplementedError(f"No append-only triggers for {vendor}: add them in consent.triggers")


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in JOURNALS),
            "DROP FUNCTION IF EXISTS consent_append_only();",
        ]
    if vendor == "sqlite":
        sql = []
        for table in JOURNALS:
            sql += [
                f"DROP TRIGGER IF EXISTS {table}_no_update;",
                f"DROP TRIGGER IF EXISTS {table}_no_delete;",
            ]
        return [*sql, f"DROP TABLE IF EXISTS {SQLITE_UNLOCK_TABLE};"]
    return []


def journal_triggers_ensure(*, using: str = "default", **_: Any) -> None:
    """post_migrate: recreate what a table rebuild dropped (no-op when all are there)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor not in {"postgresql", "sqlite"}:
        return
    existing = set(connection.introspection.table_names())
    if not set(JOURNALS) <= existing:
        return  # consent is not migrated (yet) on this database
    with connection.cursor() as cursor:
        for statement in statements(connection.vendor):
            cursor.execute(statement)
