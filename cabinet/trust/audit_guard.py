"""The database's own refusal to change or delete audit rows (cabinet.trust.models.audit).

Installed by migration 0006_audit_log on SQLite and PostgreSQL (other databases rely on the model's
guard). `lifted_guard` takes it off for a moment: only for emptying a test database (Django's
flush), never in the application.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TABLE = "cabinet_auditentry"
MESSAGE = "cabinet_auditentry is append-only"

INSTALL = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ],
    "postgresql": [
        f"CREATE OR REPLACE FUNCTION {TABLE}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
        f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse()",
        # TRUNCATE skips row triggers: refuse it too.
        f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
        f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refuse()",
    ],
}
REMOVE = {
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {TABLE}_no_update",
        f"DROP TRIGGER IF EXISTS {TABLE}_no_delete",
    ],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
        f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
        f"DROP FUNCTION IF EXISTS {TABLE}_refuse()",
    ],
}


def _execute(connection: Any, statements: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)


def install_guard(connection: Any) -> None:
    _execute(connection, INSTALL)


def remove_guard(connection: Any) -> None:
    _execute(connection, REMOVE)


@contextmanager
def lifted_guard(connection: Any) -> Iterator[None]:
    remove_guard(connection)
    try:
        yield
    finally:
        install_guard(connection)
