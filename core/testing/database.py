"""A database of a test's own, migrated like ``xuncha migrate`` does it.

``XUNCHA_TEST_DB`` picks the backend (``sqlite`` by default, or
``postgres``); ``XUNCHA_TEST_PG_DSN`` points at the PostgreSQL server
(default ``postgresql://postgres@127.0.0.1:5432/test``). On PostgreSQL each
scratch database comes with an application role of its own that owns no
table, so row-level security binds it as it binds the app in production.
Nothing here reads the environment at import.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from core.db import Database
from core.db.drift import schema_drift
from core.db.migrate import migrate
from core.db.rls import role_of
from core.plugins import Plugins
from core.settings import Settings, load_settings

__all__ = [
    "BACKENDS",
    "DEFAULT_PG_DSN",
    "RunDatabase",
    "backend_in_use",
    "make_settings",
    "migrate_database",
    "pg_dsn_in_use",
    "pg_unreachable",
    "schema_drift",
    "scratch_database",
]

BACKENDS = ("sqlite", "postgres")
DEFAULT_PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"


def backend_in_use() -> str:
    """The backend ``XUNCHA_TEST_DB`` names (``sqlite`` when unset)."""
    return os.environ.get("XUNCHA_TEST_DB", "sqlite")


def pg_dsn_in_use() -> str:
    """The PostgreSQL server of the tests (``XUNCHA_TEST_PG_DSN``)."""
    return os.environ.get("XUNCHA_TEST_PG_DSN", DEFAULT_PG_DSN)


def pg_unreachable(dsn: str) -> str | None:
    """Why PostgreSQL at ``dsn`` cannot be reached, or None when it answers.

    Runs its own event loop: call it from synchronous code only.
    """
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(dsn, timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@dataclass(frozen=True)
class RunDatabase:
    """URLs of a scratch database: the owner's (migrations) and the app role's."""

    admin_url: str
    app_url: str


def _swap_db(dsn: str, name: str, user: str | None = None) -> str:
    parts = urlsplit(dsn)
    netloc = parts.netloc
    if user is not None:
        netloc = user + "@" + netloc.split("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, "/" + name, parts.query, parts.fragment))


@contextmanager
def scratch_database(tmp: Path, label: str, backend: str | None = None,
                     dsn: str | None = None) -> Iterator[RunDatabase]:
    """A database of its own, dropped afterwards.

    Args:
        tmp: a folder for the SQLite file.
        label: part of the file or database name (letters, digits, ``_``).
        backend: ``sqlite`` or ``postgres``; ``XUNCHA_TEST_DB`` when omitted.
        dsn: the PostgreSQL server; ``XUNCHA_TEST_PG_DSN`` when omitted.

    Yields:
        A SQLite file's URL, or on PostgreSQL a new database and a new
        application role (owning no table, so row-level security binds it).
    """
    backend = backend or backend_in_use()
    if backend == "sqlite":
        url = f"sqlite:///{tmp / (label + '.sqlite3')}"
        yield RunDatabase(admin_url=url, app_url=url)
        return
    if backend != "postgres":
        raise ValueError(f"XUNCHA_TEST_DB must be sqlite or postgres, not {backend!r}")
    import asyncpg

    dsn = dsn or pg_dsn_in_use()
    suffix = secrets.token_hex(4)
    name, role = f"xuncha_test_{label}_{suffix}", f"xuncha_test_{label}_app_{suffix}"

    async def admin(*statements: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"', f'CREATE ROLE "{role}" LOGIN'))
    try:
        yield RunDatabase(admin_url=_swap_db(dsn, name), app_url=_swap_db(dsn, name, role))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                          f'DROP ROLE IF EXISTS "{role}"'))


def make_settings(home: Path, test_db: RunDatabase, **env: str) -> Settings:
    """Settings for a test: its own data directory, the given database, ``env`` on top."""
    return load_settings({
        "XUNCHA_HOME": str(home),
        "XUNCHA_DATABASE_URL": test_db.app_url,
        "XUNCHA_DATABASE_ADMIN_URL": test_db.admin_url,
        "XUNCHA_DATABASE_POOL_SIZE": "4",
        **env,
    })


async def migrate_database(settings: Settings, plugins: Plugins) -> None:
    """Apply every loaded app's migrations as the owner (and RLS grants for the app role)."""
    from core.app import piccolo_apps

    admin = Database(settings.database_admin_url)
    await admin.start()
    try:
        app_role = role_of(settings.database_url)
        same = app_role == role_of(settings.database_admin_url)
        await migrate(admin, piccolo_apps(plugins), None if same else app_role)
    finally:
        await admin.stop()
