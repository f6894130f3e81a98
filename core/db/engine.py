"""Database engines: SQLite with kept-open connections, PostgreSQL with a pool.

piccolo's stock ``SQLiteEngine`` opens a new aiosqlite connection (a thread)
for every query, measured at 1.7 ms a query on this stack. ``KeptOpenSQLiteEngine``
keeps one reader connection for single statements and one writer connection
for transactions, both in WAL mode with a busy timeout, and closes them at
shutdown (their threads would otherwise hang the interpreter).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    dict_factory,
)

__all__ = [
    "CLOSE_TIMEOUT",
    "KeptOpenSQLiteEngine",
    "LazyPostgresEngine",
    "create_engine",
    "start_engine",
    "stop_engine",
]

log = logging.getLogger(__name__)

_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
)


class _KeptOpenTransaction(SQLiteTransaction):
    """A transaction on the engine's single writer connection.

    The writer lock is held from ``BEGIN`` to ``COMMIT``/``ROLLBACK``, so two
    coroutines never interleave statements on one connection.
    """

    engine: KeptOpenSQLiteEngine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        await self.engine.writer_lock.acquire()
        try:
            self.connection = await self.engine.writer()
            await self.begin()  # type: ignore[no-untyped-call]
        except BaseException:
            self.engine.writer_lock.release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        finally:
            self.engine.current_transaction.reset(self.context)
            self.engine.writer_lock.release()
        return exception is None


class KeptOpenSQLiteEngine(SQLiteEngine):
    """SQLite engine keeping two connections open (reader and writer)."""

    __slots__ = ("_conns", "_lock", "_stopped")

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, timeout=10.0, **kwargs)
        self._conns: dict[str, aiosqlite.Connection] = {}
        self._lock: asyncio.Lock | None = None
        # Set by close(): a task outliving its database's stop must not reopen a
        # connection (its worker thread would outlive the process's work).
        self._stopped = False
        # One context variable per engine instance; piccolo names it by path,
        # which would let two engines on the same file share a transaction.
        self.current_transaction = contextvars.ContextVar(
            f"sqlite_txn_{id(self)}", default=None
        )

    @property
    def writer_lock(self) -> asyncio.Lock:
        """Lock serialising transactions on the writer connection."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _open(self, role: str) -> aiosqlite.Connection:
        conn = self._conns.get(role)
        if conn is None:
            if self._stopped:
                raise sqlite3.OperationalError("数据库连接已关闭")
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = await aiosqlite.connect(**self.connection_kwargs)
            conn.row_factory = dict_factory  # type: ignore[assignment]
            for pragma in _PRAGMAS:
                await conn.execute(pragma)
            self._conns[role] = conn
        return conn

    async def reader(self) -> aiosqlite.Connection:
        """The connection for statements outside a transaction."""
        return await self._open("reader")

    async def writer(self) -> aiosqlite.Connection:
        """The connection for transactions (use under ``writer_lock``)."""
        return await self._open("writer")

    async def get_connection(self) -> aiosqlite.Connection:
        # Used by piccolo for batches; batches read, so share the reader.
        return await self.reader()

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        connection = await self.reader()
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        """A transaction on the writer connection; immediate by default."""
        return _KeptOpenTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    def reopen(self) -> None:
        """Let a stopped engine open connections again (``start_engine``)."""
        self._stopped = False

    async def close(self) -> None:
        """Close the kept-open connections (and their threads); until :meth:`reopen`,
        nothing opens new ones."""
        self._stopped = True
        conns, self._conns = self._conns, {}
        for conn in conns.values():
            await conn.close()


class LazyPostgresEngine(PostgresEngine):
    """piccolo's PostgreSQL engine without the connections made in ``__init__``.

    piccolo connects twice while constructing an engine (version check and
    extensions), synchronously and printing a warning when the server is
    down; ``start_engine`` checks the server instead, with a clear error.
    """

    async def check_version(self) -> None:
        return None

    async def prep_database(self) -> None:
        return None


def create_engine(url: str) -> Engine[Any]:
    """Build the piccolo engine for a ``sqlite:///`` or ``postgresql://`` URL."""
    if url.startswith("sqlite:///"):
        return KeptOpenSQLiteEngine(path=url.removeprefix("sqlite:///"))
    return LazyPostgresEngine(config={"dsn": url})


async def start_engine(engine: Engine[Any], pool_size: int = 10) -> None:
    """Open the engine's connections and check that the database answers.

    Raises:
        ConnectionError: the database cannot be reached, with the reason.
    """
    try:
        if isinstance(engine, PostgresEngine):
            if engine.pool is None:
                engine.pool = await _create_pool(engine, pool_size)
        elif isinstance(engine, KeptOpenSQLiteEngine):
            engine.reopen()
            await engine.reader()
    except (TimeoutError, OSError, sqlite3.Error) as exc:
        raise ConnectionError(f"无法连接数据库：{exc}") from exc
    except Exception as exc:  # asyncpg raises many types for auth/db errors
        if type(exc).__module__.startswith("asyncpg"):
            raise ConnectionError(f"无法连接数据库：{exc}") from exc
        raise


async def _create_pool(engine: PostgresEngine, pool_size: int) -> Any:
    import asyncpg

    return await asyncpg.create_pool(
        **engine.config,
        min_size=min(2, pool_size),
        max_size=pool_size,
        timeout=10,
        # Only transaction-local settings are ever made on a connection
        # (``set_config(..., true)``), so the default reset round trip
        # (RESET ALL, UNLISTEN, ...) on every release is not needed; a
        # transaction left open by a cancelled request is still rolled back.
        reset=_rollback_if_open,
    )


async def _rollback_if_open(connection: Any) -> None:
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


CLOSE_TIMEOUT = 10.0
"""Seconds :func:`stop_engine` waits for a pool's connections to be released."""


async def stop_engine(engine: Engine[Any]) -> None:
    """Close pools and kept-open connections.

    A pool waits for its connections to be released; one still held (by a task
    that did not stop in time) would hold the shutdown up forever, so after
    :data:`CLOSE_TIMEOUT` the pool is terminated (asyncpg terminates it when its
    graceful close is cancelled).
    """
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        pool, engine.pool = engine.pool, None
        try:
            await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT)
        except TimeoutError:
            log.warning("database pool: connections still held after %s s; terminated",
                        CLOSE_TIMEOUT)
            pool.terminate()
    elif isinstance(engine, KeptOpenSQLiteEngine):
        await engine.close()
