"""The one way to read and write data: a database bound to a tenant.

``Database`` wraps the piccolo engine; ``TenantSession`` binds it to one
tenant so every statement carries ``tenant_id = <tenant>`` and a handler
cannot forget the filter. On PostgreSQL each statement also runs in a
transaction with ``app.tenant`` set, so row-level security (the second lock)
holds even for a query written by hand.
"""

from __future__ import annotations

import builtins
import contextvars
import json
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from piccolo.columns.defaults.base import Default
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from core.db.engine import KeptOpenSQLiteEngine, create_engine, start_engine, stop_engine
from core.db.sql import Dialect, Filters, table_info
from core.db.stamps import QUIET_TABLES, SHARED, bump_sql, written_table

__all__ = ["CrossTenantError", "Database", "TenantSession"]

log = logging.getLogger(__name__)

# SQLite allows 32,766 parameters and asyncpg 32,767 in one statement.
MAX_PARAMETERS = 30_000

class CrossTenantError(RuntimeError):
    """A transaction bound to one tenant was asked to act for another."""


class Database:
    """A piccolo engine plus tenant-aware statement helpers.

    Args:
        url: ``sqlite:///path`` or ``postgresql://...``.
        pool_size: PostgreSQL pool size.
    """

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        self.pool_size = pool_size
        self.engine = create_engine(url)
        self.postgres = isinstance(self.engine, PostgresEngine)
        self.dialect = Dialect(self.postgres)
        # The tenant the current task's transaction is bound to (per database).
        self._txn_tenant: contextvars.ContextVar[int | None] = contextvars.ContextVar(
            f"xuncha_txn_tenant_{id(self)}", default=None
        )
        # The data stamps (core.db.stamps) the current task's transaction will bump.
        self._pending: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
            f"xuncha_txn_stamps_{id(self)}", default=None
        )
        self.tenant_tables: set[str] = set()
        """Names of the tables with a ``tenant_id`` column (``bind_tables`` fills it); a
        write to any other table bumps the shared stamp."""

    async def start(self) -> None:
        """Open connections; raises ``ConnectionError`` with the reason."""
        await start_engine(self.engine, self.pool_size)

    async def stop(self) -> None:
        """Close connections."""
        await stop_engine(self.engine)

    def tenant(self, tenant_id: int) -> TenantSession:
        """A session bound to ``tenant_id``."""
        return TenantSession(self, tenant_id)

    @asynccontextmanager
    async def transaction(self, tenant_id: int | None = None) -> AsyncIterator[Any]:
        """A write transaction; on PostgreSQL sets ``app.tenant`` for RLS.

        A nested transaction joins the outer one, which must be for the same
        tenant (or for none, and then takes this tenant). The outermost one
        bumps the data stamps of what it wrote (:mod:`core.db.stamps`) once it
        commits: in the transaction on SQLite, right after it on PostgreSQL.
        """
        joined = self.engine.current_transaction.get() is not None
        outer = self._txn_tenant.get() if joined else None
        if tenant_id is not None and outer not in (None, tenant_id):
            raise CrossTenantError(f"transaction for tenant {outer}, not {tenant_id}")
        pending: set[int] = set()
        mark = None if joined else self._pending.set(pending)
        try:
            async with self.engine.transaction() as txn:
                if tenant_id is None or outer is not None:
                    yield txn
                else:
                    await self._set_tenant(txn.connection, tenant_id)
                    token = self._txn_tenant.set(tenant_id)
                    try:
                        yield txn
                    finally:
                        self._txn_tenant.reset(token)
                if pending and not self.postgres:
                    await self._bump_in(txn.connection, pending)
        finally:
            if mark is not None:
                self._pending.reset(mark)
        if pending and self.postgres:
            await self._bump_now(pending)

    def _written(self, sql: str, tenant_id: int | None) -> set[int]:
        """The stamps a statement bumps: its tenant's for a tenant table, else the shared."""
        table = written_table(sql)
        if table is None or table in QUIET_TABLES:
            return set()
        if tenant_id is not None and table in self.tenant_tables:
            return {tenant_id}
        return {SHARED}

    async def _bump_in(self, connection: Any, scopes: set[int]) -> None:
        """Bump ``scopes`` within the current transaction. On SQLite a failure (a database
        migrated before ``data_stamp`` existed) is logged: the transaction stays usable."""
        try:
            await self._fetch_on(connection, *bump_sql(scopes, self.dialect.mark))
        except Exception as exc:
            if self.postgres:
                raise
            log.warning("data stamps %s not bumped: %s: %s", sorted(scopes),
                        type(exc).__name__, exc)

    async def _bump_now(self, scopes: set[int]) -> None:
        """Bump ``scopes`` outside any transaction (after a commit, or an autocommit write).

        A failure is logged, not raised: the write is committed already, and
        cached answers expire on their own (``core.web.read_cache``).
        """
        sql, args = bump_sql(scopes, self.dialect.mark)
        try:
            if isinstance(self.engine, PostgresEngine):
                assert self.engine.pool is not None
                async with self.engine.pool.acquire() as conn:
                    await conn.execute(sql, *args)
            else:
                async with self.engine.transaction() as txn:
                    await self._fetch_on(txn.connection, sql, args)
        except Exception as exc:  # the write stands; see the docstring
            log.warning("data stamps %s not bumped: %s: %s", sorted(scopes),
                        type(exc).__name__, exc)

    async def _set_tenant(self, connection: Any, tenant_id: int) -> None:
        if self.postgres:
            await connection.execute(
                "SELECT set_config('app.tenant', $1, true)", str(int(tenant_id))
            )

    async def fetch(
        self, sql: str, args: Sequence[Any] = (), tenant_id: int | None = None, *,
        quiet: bool = False,
    ) -> list[dict[str, Any]]:
        """Run one statement and return its rows as dicts.

        Outside a transaction on PostgreSQL, a statement for a tenant runs in
        its own short transaction with ``app.tenant`` set; ``BEGIN`` and the
        setting go to the server as one message. A write bumps the data stamp
        of what it wrote once committed (:mod:`core.db.stamps`), unless
        ``quiet`` (a write that changes no answer, e.g. a session's touch).
        """
        txn = self.engine.current_transaction.get()
        if txn is not None:
            bound = self._txn_tenant.get()
            if tenant_id is not None and bound not in (None, tenant_id):
                raise CrossTenantError(f"transaction for tenant {bound}, not {tenant_id}")
            rows = await self._fetch_on(txn.connection, sql, args)
            written = set() if quiet else self._written(
                sql, tenant_id if tenant_id is not None else bound)
            pending = self._pending.get()
            if written and pending is not None:
                pending |= written
            elif written:  # a transaction not opened here: bump within it
                await self._bump_in(txn.connection, written)
            return rows
        written = set() if quiet else self._written(sql, tenant_id)
        rows = await self._fetch_alone(sql, args, tenant_id)
        if written:
            await self._bump_now(written)
        return rows

    async def _fetch_alone(self, sql: str, args: Sequence[Any],
                           tenant_id: int | None) -> list[dict[str, Any]]:
        if isinstance(self.engine, KeptOpenSQLiteEngine):
            return await self._fetch_on(await self.engine.reader(), sql, args)
        assert isinstance(self.engine, PostgresEngine) and self.engine.pool is not None
        async with self.engine.pool.acquire() as conn:
            if tenant_id is None:
                return [dict(r) for r in await conn.fetch(sql, *args)]
            await conn.execute(
                f"BEGIN; SELECT set_config('app.tenant', '{int(tenant_id)}', true)"
            )
            try:
                rows = await conn.fetch(sql, *args)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
            return [dict(r) for r in rows]

    async def _fetch_on(self, conn: Any, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        if self.postgres:
            return [dict(r) for r in await conn.fetch(sql, *args)]
        return list(await conn.execute_fetchall(sql, list(args)))

    async def ping(self) -> None:
        """Raise if the database does not answer ``SELECT 1``."""
        await self.fetch("SELECT 1 AS ok")


class TenantSession:
    """Reads and writes of one tenant's rows; the tenant filter is built in.

    Only tables with a ``tenant_id`` column are accepted.
    """

    __slots__ = ("db", "tenant_id")

    def __init__(self, db: Database, tenant_id: int) -> None:
        self.db = db
        self.tenant_id = int(tenant_id)

    def _info(self, table: type[Table]) -> Any:
        info = table_info(table)
        if not info.tenant_owned:
            raise TypeError(f"table {info.name} has no tenant_id column")
        return info

    def transaction(self) -> Any:
        """A write transaction bound to this tenant."""
        return self.db.transaction(self.tenant_id)

    async def list(
        self,
        table: type[Table],
        where: Filters | None = None,
        *,
        search: tuple[Sequence[str], str] | None = None,
        order_by: Sequence[str] = ("id",),
        limit: int | None = 50,
        offset: int = 0,
    ) -> builtins.list[dict[str, Any]]:
        """Rows of ``table`` matching equality filters (None = IS NULL, list = IN)."""
        info = self._info(table)
        filters = {"tenant_id": self.tenant_id, **(where or {})}
        sql, args = self.db.dialect.select(
            info, filters, search=search, order_by=order_by, limit=limit, offset=offset
        )
        rows = await self.db.fetch(sql, args, self.tenant_id)
        if info.json_columns:
            return [info.decode(r) for r in rows]
        return rows

    async def page(
        self,
        table: type[Table],
        where: Filters | None = None,
        *,
        search: tuple[Sequence[str], str] | None = None,
        order_by: Sequence[str] = ("id",),
        limit: int = 50,
        offset: int = 0,
        columns: Mapping[str, str] | None = None,
    ) -> tuple[builtins.list[dict[str, Any]], int]:
        """One page of rows and the total matching, in one round trip.

        ``columns`` (``{output name: column}``) limits what is read.
        """
        info = self._info(table)
        filters = {"tenant_id": self.tenant_id, **(where or {})}
        sql, args = self.db.dialect.select(
            info, filters, search=search, order_by=order_by, limit=limit, offset=offset,
            with_total=True, columns=columns,
        )
        rows = await self.db.fetch(sql, args, self.tenant_id)
        if not rows:
            total = await self.count(table, where, search=search) if offset else 0
            return [], total
        total = int(rows[0]["_total"])
        for row in rows:
            del row["_total"]
        return ([info.decode(r) for r in rows] if info.json_columns else rows), total

    async def count(
        self,
        table: type[Table],
        where: Filters | None = None,
        *,
        search: tuple[Sequence[str], str] | None = None,
    ) -> int:
        """How many rows match."""
        info = self._info(table)
        filters = {"tenant_id": self.tenant_id, **(where or {})}
        sql, args = self.db.dialect.select(
            info, filters, search=search, order_by=(), limit=None, offset=0, count=True
        )
        rows = await self.db.fetch(sql, args, self.tenant_id)
        return int(rows[0]["n"])

    async def get(self, table: type[Table], row_id: int) -> dict[str, Any] | None:
        """One row by id, or None when absent or owned by another tenant."""
        rows = await self.list(table, {"id": row_id}, limit=1)
        return rows[0] if rows else None

    async def insert(
        self, table: type[Table], rows: Sequence[Mapping[str, Any]]
    ) -> builtins.list[int]:
        """Insert rows (chunked under the parameter limit); returns new ids.

        Missing columns take the column's default; ``tenant_id`` is always
        this session's tenant, whatever the row says.
        """
        if not rows:
            return []
        info = self._info(table)
        provided = {k for row in rows for k in row} - {"id", "tenant_id"}
        info.check(provided)
        names = ["tenant_id", *(n for n, _ in info.defaults)]
        # Rows may differ in which columns they give: any row may need a default.
        default_values = {n: _default(info, n, col) for n, col in info.defaults
                          if any(n not in row for row in rows)}
        chunk = max(1, MAX_PARAMETERS // len(names))
        ids: builtins.list[int] = []
        async with self.transaction():
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                args: list[Any] = []
                for row in part:
                    args.append(self.tenant_id)
                    for name in names[1:]:
                        value = row[name] if name in row else default_values[name]
                        args.append(info.encode(name, value))
                sql = self.db.dialect.insert(info, names, len(part))
                ids.extend(r["id"] for r in await self.db.fetch(sql, args, self.tenant_id))
        return ids

    async def update(
        self, table: type[Table], where: Filters, values: Mapping[str, Any]
    ) -> builtins.list[int]:
        """Update matching rows of this tenant; returns the ids changed."""
        info = self._info(table)
        if "tenant_id" in values or "id" in values:
            raise ValueError("tenant_id and id cannot be updated")
        filters = {"tenant_id": self.tenant_id, **where}
        sql, args = self.db.dialect.update(info, values, filters)
        async with self.transaction():
            rows = await self.db.fetch(sql, args, self.tenant_id)
        return [r["id"] for r in rows]

    async def delete(self, table: type[Table], where: Filters) -> builtins.list[int]:
        """Delete matching rows of this tenant; returns the ids removed."""
        info = self._info(table)
        filters = {"tenant_id": self.tenant_id, **where}
        clause, args = self.db.dialect.where(info, filters, None, 0)
        async with self.transaction():
            rows = await self.db.fetch(self.db.dialect.delete(info, clause), args, self.tenant_id)
        return [r["id"] for r in rows]


def _default(info: Any, name: str, column: Any) -> Any:
    """A column's default as a Python value (piccolo keeps JSON ones as text)."""
    value = column.get_default_value()
    if isinstance(value, Default):
        return value.python()
    if name in info.json_columns and isinstance(value, str):
        return json.loads(value)
    return value
