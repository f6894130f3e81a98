"""A cheap version of a tenant's data: a few aggregates that change whenever the rows do.

Pages that poll (htmx, every few seconds) answer ``304 Not Modified`` while
the version is unchanged, so an idle poll costs one small indexed query and
no rendering. The version of a table is its row count and the greatest
value of each column named (a timestamp written on every change, an
ever-growing id or event id); a row added, changed (when a named column is
rewritten on change) or removed changes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from piccolo.table import Table

from core.db.database import TenantSession
from core.db.sql import table_info

__all__ = ["data_version"]


async def data_version(session: TenantSession,
                       tables: Mapping[type[Table], Sequence[str]]) -> str:
    """A short digest of the count and the named columns' maxima of each table (this tenant's
    rows only).

    Args:
        session: the tenant's session.
        tables: each table and the columns whose greatest value marks a change,
            e.g. ``{Replica: ("received_at", "version")}``.

    Raises:
        ValueError: a column the table does not have.
    """
    digest = hashlib.sha256()
    mark = session.db.dialect.mark
    for table, columns in tables.items():
        info = table_info(table)
        unknown = [c for c in columns if c not in info.columns]
        if unknown:
            raise ValueError(f"table {info.name} has no column {unknown[0]}")
        maxima = "".join(f', MAX("{c}") AS "m{i}"' for i, c in enumerate(columns))
        rows = await session.db.fetch(
            f'SELECT COUNT(*) AS "n"{maxima} FROM "{info.name}" WHERE "tenant_id" = {mark(1)}',
            [session.tenant_id], session.tenant_id)
        digest.update(repr((info.name, *(str(v) for v in rows[0].values()))).encode())
    return digest.hexdigest()[:24]
