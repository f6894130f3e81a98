"""PostgreSQL row-level security: the second lock on tenant tables.

Every table with a ``tenant_id`` column (core's and every plugin's) gets a
policy admitting only rows of the tenant in ``app.tenant``, which
``Database`` sets per transaction. The application role is granted data
access but owns no table, so the policies bind it; the owner runs
migrations. ``NULLIF`` is needed because ``current_setting(..., true)``
returns ``''`` (not NULL) once the setting was used in the session.
"""

from __future__ import annotations

from collections.abc import Iterable

from piccolo.table import Table

from core.db.database import Database
from core.db.sql import table_info

__all__ = ["POLICY", "apply_rls", "role_of"]

POLICY = "xuncha_tenant_isolation"
_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant', true), '')::integer"


def role_of(url: str) -> str | None:
    """The user name in a PostgreSQL URL, if any."""
    from urllib.parse import urlsplit

    return urlsplit(url).username


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def apply_rls(db: Database, tables: Iterable[type[Table]], app_role: str | None) -> None:
    """Enable RLS with the tenant policy on tenant tables and grant the app role.

    Idempotent; runs as the table owner after migrations.
    """
    statements: list[str] = []
    role = _quote(app_role) if app_role else None
    if role:
        statements.append(f"GRANT USAGE ON SCHEMA public TO {role}")
    for table in tables:
        info = table_info(table)
        name = _quote(info.name)
        if info.tenant_owned:
            statements += [
                f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
                f"DROP POLICY IF EXISTS {POLICY} ON {name}",
                f"CREATE POLICY {POLICY} ON {name} USING ({_PREDICATE}) WITH CHECK ({_PREDICATE})",
            ]
            if role:
                statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {role}")
                statements.append(
                    f"GRANT USAGE, SELECT ON SEQUENCE {_quote(info.name + '_id_seq')} TO {role}"
                )
        elif role and getattr(table, "app_writable", False):
            # Shared tables the app maintains (accounts, sessions, tokens, policies).
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {role}")
            statements.append(
                f"GRANT USAGE, SELECT ON SEQUENCE {_quote(info.name + '_id_seq')} TO {role}"
            )
        elif role:
            # Shared reference data (the tenant registry): read-only for the app.
            statements.append(f"GRANT SELECT ON {name} TO {role}")
    async with db.transaction():
        for sql in statements:
            await db.fetch(sql)
