"""Shared fixtures: a real database (SQLite or PostgreSQL) and the real app.

``XUNCHA_TEST_DB`` picks the backend (``sqlite`` by default, or
``postgres``). For PostgreSQL a fresh database and a fresh application role
(owning no table, so row-level security binds it) are created for the run
and dropped after. ``XUNCHA_TEST_PG_DSN`` points at the server (default
``postgresql://postgres@127.0.0.1:5432/test``). When PostgreSQL cannot be
reached the run stops loudly, and fails if ``XUNCHA_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.db import Database
from core.plugins import Plugins
from core.settings import Settings
from core.tenancy.loader import sync_tree
from core.testing import clients as _clients
from core.testing import database as _database
from core.testing.clients import TESTER, TESTER_PASSWORD, ActingClient, AppClient, TenantTokens
from core.testing.database import RunDatabase, make_settings, migrate_database
from core.testing.tree import TEST_TREE

__all__ = [
    "BACKEND", "PG_DSN", "REPO", "TESTER", "TESTER_PASSWORD", "TEST_TREE", "ActingClient",
    "RunDatabase", "TenantTokens", "acting_as", "make_settings", "migrate_database",
    "office_admin_tokens", "org_rows", "scratch_database",
]

BACKEND = os.environ.get("XUNCHA_TEST_DB", "sqlite")
PG_DSN = os.environ.get("XUNCHA_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parent.parent


def _pg_reachable() -> str | None:
    return _database.pg_unreachable(PG_DSN)


def pytest_configure(config: pytest.Config) -> None:
    if BACKEND not in ("sqlite", "postgres"):
        raise pytest.UsageError(f"XUNCHA_TEST_DB must be sqlite or postgres, not {BACKEND!r}")
    if BACKEND == "postgres":
        reason = _pg_reachable()
        if reason:
            banner = "!" * 72
            message = (f"\n{banner}\n!!! PostgreSQL 不可用，已跳过 PostgreSQL 测试套件 "
                       f"(PostgreSQL unreachable at {PG_DSN}: {reason})\n{banner}\n")
            if os.environ.get("XUNCHA_REQUIRE_POSTGRES") == "1":
                pytest.exit(message + "XUNCHA_REQUIRE_POSTGRES=1: failing.", returncode=3)
            pytest.exit(message, returncode=0)


# Hundreds of accounts are made and signed in here: cheap argon2id parameters (read on the
# first hash; CLI subprocesses inherit it).
os.environ.setdefault("XUNCHA_TEST_FAST_PASSWORDS", "1")

ONCE = os.environ.get("XUNCHA_TEST_ONCE") == "1"
"""CI sets it: a test marked ``once_on(backend)`` then runs on that backend only."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``XUNCHA_TEST_ONCE=1``, skip ``once_on`` tests on the other backend: they drive
    the product through its commands or a whole deployment (CLI, plugin kit, demo) and
    cover no path of their own on the second backend; CI keeps its run under half an
    hour that way. Without it (``make test`` locally) they run on both."""
    if not ONCE:
        return
    for item in items:
        marker = item.get_closest_marker("once_on")
        if marker is not None and marker.args[0] != BACKEND:
            item.add_marker(pytest.mark.skip(
                reason=f"XUNCHA_TEST_ONCE=1: runs on {marker.args[0]} only"))


_EXIT_STATUS = pytest.StashKey[int]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[_EXIT_STATUS] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Exit even if a test leaked a worker thread (an aiosqlite connection left open keeps
    the interpreter waiting for it forever): name the threads loudly, then exit with the
    session's status instead of hanging the run."""
    deadline = time.monotonic() + 10
    stray = _stray_threads()
    while stray and time.monotonic() < deadline:
        stray[0].join(0.5)
        stray = _stray_threads()
    if stray and _EXIT_STATUS in config.stash:
        names = ", ".join(t.name for t in stray)
        print(f"\n!!! {len(stray)} 个线程在测试结束后仍未退出（leaked threads: {names}）",
              flush=True)
        sys.stderr.flush()
        os._exit(config.stash[_EXIT_STATUS])


def _stray_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate()
            if t is not threading.main_thread() and not t.daemon and t.is_alive()]


def pytest_report_header(config: pytest.Config) -> str:
    return f"xuncha database backend: {BACKEND}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A nats-server (JetStream) of the test module's own: free port, temporary store."""
    from core.messaging.embedded import EmbeddedNats

    nats_server = EmbeddedNats(tmp_path_factory.mktemp("nats"))
    nats_server.start()
    yield nats_server
    nats_server.stop()


def scratch_database(tmp: Path, label: str) -> AbstractContextManager[RunDatabase]:
    """A database of its own (see :func:`core.testing.database.scratch_database`)."""
    return _database.scratch_database(tmp, label, BACKEND, PG_DSN)


@pytest.fixture(scope="session")
def test_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with scratch_database(tmp_path_factory.mktemp("db"), "run") as run_database:
        yield run_database


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, test_database: RunDatabase) -> Settings:
    return make_settings(tmp_path_factory.mktemp("home"), test_database)


@pytest.fixture(scope="session")
def plugins(settings: Settings) -> Plugins:
    return Plugins(settings)


@pytest.fixture(scope="session")
async def database(settings: Settings, plugins: Plugins) -> AsyncIterator[Database]:
    """The run's database, migrated, with the test tenant tree loaded (admin role)."""
    await migrate_database(settings, plugins)
    admin = Database(settings.database_admin_url)
    await admin.start()
    try:
        await sync_tree(admin, TEST_TREE)
        yield admin
    finally:
        await admin.stop()


async def office_admin_tokens(database: Database, username: str = "tester",
                              tenants: list[str] | None = None) -> dict[str, str]:
    """Make ``username`` (home ``ta``) office admin of ``tenants`` (default: the test
    tree) with one API token each (tokens are tenant-scoped); returns them by code."""
    return await _clients.office_admin_tokens(
        database, tenants or [spec.code for spec in TEST_TREE], username, home="ta")


@pytest.fixture(scope="session")
async def tester_tokens(database: Database) -> dict[str, str]:
    """API tokens of ``tester``, office admin of ta, ta.one and tb.

    The shared client authenticates with tokens rather than a web session
    because tests move the clock by weeks, which would expire a session.
    """
    return await office_admin_tokens(database, TESTER)


@pytest.fixture(scope="session")
async def app(settings: Settings, plugins: Plugins, database: Database,
              tester_tokens: dict[str, str]) -> Litestar:
    return create_app(settings, plugins)


@pytest.fixture(scope="session")
async def client(app: Litestar, tester_tokens: dict[str, str]
                 ) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The running app, as ``tester`` (office admin of ta, ta.one and tb)."""
    async with AppClient(app) as test_client:
        test_client.auth = TenantTokens(tester_tokens, "ta")
        yield test_client


@pytest.fixture(scope="session")
async def tenant_ids(database: Database) -> dict[str, int]:
    rows = await database.fetch('SELECT "id", "code" FROM "tenant"')
    return {r["code"]: r["id"] for r in rows}


async def org_rows(database: Database, tenant_id: int) -> list[dict[str, Any]]:
    """All orgs of a tenant (read as the admin)."""
    from core.tenancy.tables import Org

    return await database.tenant(tenant_id).list(Org, limit=None)


async def acting_as(app: Litestar, client: AsyncTestClient[Litestar], database: Database,
                    role: str | None, tenant: str, home: str | None = None,
                    scope: str | None = None) -> tuple[ActingClient, str]:
    """A new account (home ``home`` or ``tenant``) holding ``role`` in ``tenant`` (none
    if ``role`` is None), acting through a token scoped to ``tenant``; returns it and
    the username."""
    return await _clients.acting_as(app, client, database, role, tenant, home, scope)


@pytest.fixture(scope="session")
async def staff_client(app: Litestar, client: AsyncTestClient[Litestar],
                       database: Database) -> ActingClient:
    """A client acting as office staff (巡察办工作人员) of ``ta.one``."""
    acting, _ = await acting_as(app, client, database, "office_staff", "ta.one")
    return acting
