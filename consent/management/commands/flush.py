"""Django's ``flush``, able to empty the append-only journals too.

Flushing empties every table of a database: an operator's (or the test runner's) deliberate
wipe, not an edit of history. On PostgreSQL it TRUNCATEs, which row triggers do not see; on
SQLite it DELETEs, which the journal triggers refuse, so the journals are unlocked for the
flush's own transaction. Django finds this command before its own because ``consent`` comes
before ``django.core`` in the command lookup.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction

from consent.services import SQLITE_UNLOCK_TABLE, journals_unlocked


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        connection = connections[database]
        if connection.vendor != "sqlite" or SQLITE_UNLOCK_TABLE not in (
            connection.introspection.table_names()
        ):
            return super().handle(**options)
        with transaction.atomic(using=database), journals_unlocked(using=database):
            return super().handle(**options)
