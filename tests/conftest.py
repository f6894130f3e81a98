"""Shared fixtures: a real database (SQLite or PostgreSQL) and the real app.

``XUNCHA_TEST_DB`` picks the backend (``sqlite`` by default, or
``postgres``). For PostgreSQL a fresh database and a fresh application role
(owning no table, so row-level security binds it) are created for the run
and dropped after. ``XUNCHA_TEST_PG_DSN`` points at the server (default
``postgresql://postgres@127.0.0.1:5432/test``). When PostgreSQL cannot be
reached the run stops loudly, and fails if ``XUNCHA_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.app import create_app, piccolo_apps
from core.db import Database
from core.db.migrate import migrate
from core.plugins import Plugins
from core.settings import Settings, load_settings
from core.tenancy.loader import sync_tree
from core.tenancy.model import OrgSpec, TenantSpec
from core.tenancy.tables import OrgKind, TenantLevel

BACKEND = os.environ.get("XUNCHA_TEST_DB", "sqlite")
PG_DSN = os.environ.get("XUNCHA_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parent.parent


def _pg_reachable() -> str | None:
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(PG_DSN, timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


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


@dataclass(frozen=True)
class RunDatabase:
    """URLs of the run's database: the owner (migrations) and the app role."""

    admin_url: str
    app_url: str


def _swap_db(dsn: str, name: str, user: str | None = None) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    netloc = parts.netloc
    if user is not None:
        netloc = user + "@" + netloc.split("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, "/" + name, parts.query, parts.fragment))


@contextmanager
def scratch_database(tmp: Path, label: str) -> Iterator[RunDatabase]:
    """A database of its own: a SQLite file, or on PostgreSQL a new database and
    a new application role (owning no table, so row-level security binds it),
    both dropped afterwards."""
    if BACKEND == "sqlite":
        url = f"sqlite:///{tmp / (label + '.sqlite3')}"
        yield RunDatabase(admin_url=url, app_url=url)
        return
    import asyncpg

    suffix = secrets.token_hex(4)
    name, role = f"xuncha_test_{label}_{suffix}", f"xuncha_test_{label}_app_{suffix}"

    async def admin(*statements: str) -> None:
        conn = await asyncpg.connect(PG_DSN)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"', f'CREATE ROLE "{role}" LOGIN'))
    try:
        yield RunDatabase(admin_url=_swap_db(PG_DSN, name), app_url=_swap_db(PG_DSN, name, role))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                          f'DROP ROLE IF EXISTS "{role}"'))


@pytest.fixture(scope="session")
def test_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with scratch_database(tmp_path_factory.mktemp("db"), "run") as run_database:
        yield run_database


def make_settings(home: Path, test_db: RunDatabase, **env: str) -> Settings:
    """Settings for a test: its own data directory, the run's database."""
    return load_settings({
        "XUNCHA_HOME": str(home),
        "XUNCHA_DATABASE_URL": test_db.app_url,
        "XUNCHA_DATABASE_ADMIN_URL": test_db.admin_url,
        "XUNCHA_DATABASE_POOL_SIZE": "4",
        **env,
    })


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, test_database: RunDatabase) -> Settings:
    return make_settings(tmp_path_factory.mktemp("home"), test_database)


@pytest.fixture(scope="session")
def plugins(settings: Settings) -> Plugins:
    return Plugins(settings)


async def migrate_database(settings: Settings, plugins: Plugins) -> None:
    """Apply every migration as the owner (and RLS grants for the app role)."""
    from core.db.rls import role_of

    admin = Database(settings.database_admin_url)
    await admin.start()
    try:
        app_role = role_of(settings.database_url)
        same = app_role == role_of(settings.database_admin_url)
        await migrate(admin, piccolo_apps(plugins), None if same else app_role)
    finally:
        await admin.stop()


TEST_TREE = [
    TenantSpec(code="ta", name="甲市委巡察办", level=TenantLevel.city, region="甲市", orgs=[
        OrgSpec(code="D001", name="甲市财政局", kind=OrgKind.department),
        OrgSpec(code="D002", name="甲市教育局", kind=OrgKind.department),
        OrgSpec(code="S01", name="甲市城投集团", kind=OrgKind.soe),
    ]),
    TenantSpec(code="ta.one", name="甲一县委巡察办", level=TenantLevel.county, region="甲一县",
               parent="ta", settings={"rectification_report_months": 3}, orgs=[
        OrgSpec(code="D001", name="甲一县财政局", kind=OrgKind.department),
        OrgSpec(code="T01", name="东风镇", kind=OrgKind.township),
        OrgSpec(code="T01V001", name="张庄村", kind=OrgKind.village, parent="T01"),
        OrgSpec(code="T01V002", name="李庄村", kind=OrgKind.village, parent="T01"),
    ]),
    TenantSpec(code="tb", name="乙市委巡察办", level=TenantLevel.city, region="乙市", orgs=[
        OrgSpec(code="D001", name="乙市秘密局", kind=OrgKind.department),
        OrgSpec(code="T09", name="乙西镇", kind=OrgKind.township),
        OrgSpec(code="T09V001", name="乙西村", kind=OrgKind.village, parent="T09"),
    ]),
]


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


TESTER = "tester"
"""The account of the shared ``client``: office admin (办主任) of every test tenant."""
TESTER_PASSWORD = "Inspect2026office"


async def office_admin_tokens(database: Database, username: str = "tester",
                              tenants: list[str] | None = None) -> dict[str, str]:
    """Make ``username`` (home ``ta``) office admin of ``tenants`` (default: the test
    tree) with one API token each (tokens are tenant-scoped); returns them by code."""
    from core.authz.policy import PolicyAdapter
    from core.identity.accounts import create_account
    from core.identity.tokens import create_token

    now = datetime.now(UTC)
    account = await create_account(database, username, "测试管理员", "ta", TESTER_PASSWORD,
                                   now=now, actor="test")
    tokens = {}
    for code in tenants or [spec.code for spec in TEST_TREE]:
        await PolicyAdapter(database).add_policy("g", "g", [username, "office_admin", code])
        tenant_id = (await database.fetch(
            f'SELECT "id" FROM "tenant" WHERE "code" = {database.dialect.mark(1)}',
            [code]))[0]["id"]
        made = await create_token(database, account_id=account.id, actor="test",
                                  tenant_id=tenant_id, tenant_code=code, name="测试",
                                  days=365, now=now)
        tokens[code] = made.token
    return tokens


@pytest.fixture(scope="session")
async def tester_tokens(database: Database) -> dict[str, str]:
    """API tokens of ``tester``, office admin of ta, ta.one and tb.

    The shared client authenticates with tokens rather than a web session
    because tests move the clock by weeks, which would expire a session.
    """
    return await office_admin_tokens(database, TESTER)


class TenantTokens(httpx.Auth):
    """Sends the token of the tenant a request's path names (``/t/<code>/``)."""

    def __init__(self, tokens: dict[str, str], default: str) -> None:
        self.tokens, self.default = tokens, default

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        parts = request.url.path.split("/")
        code = parts[2] if len(parts) > 2 and parts[1] == "t" else self.default
        token = self.tokens.get(code, self.tokens[self.default])
        request.headers.setdefault("Authorization", f"Bearer {token}")
        yield request


@pytest.fixture(scope="session")
async def app(settings: Settings, plugins: Plugins, database: Database,
              tester_tokens: dict[str, str]) -> Litestar:
    return create_app(settings, plugins)


@pytest.fixture(scope="session")
async def client(app: Litestar, tester_tokens: dict[str, str]
                 ) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The running app, as ``tester`` (office admin of ta, ta.one and tb)."""
    async with AsyncTestClient(app=app) as test_client:
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


class ActingClient:
    """The shared client, acting as another account through its API token."""

    def __init__(self, client: AsyncTestClient[Litestar], token: str) -> None:
        self.client, self.token = client, token

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.token}"}
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)


async def acting_as(app: Litestar, client: AsyncTestClient[Litestar], database: Database,
                    role: str | None, tenant: str, home: str | None = None,
                    scope: str | None = None) -> tuple[ActingClient, str]:
    """A new account (home ``home`` or ``tenant``) holding ``role`` in ``tenant`` (none
    if ``role`` is None), acting through a token scoped to ``tenant``; returns it and
    the username."""
    from core.identity.accounts import create_account
    from core.identity.tokens import create_token

    now = datetime.now(UTC)
    username = f"{(role or 'norole').replace('_', '')}.{secrets.token_hex(4)}"
    account = await create_account(database, username, "测试人员", home or tenant,
                                   TESTER_PASSWORD, now=now, actor="test")
    if role is not None:
        client.blocking_portal.call(app.state.runtime.authz.grant, username, role, tenant,
                                    scope)
    tenant_id = (await database.fetch(
        f'SELECT "id" FROM "tenant" WHERE "code" = {database.dialect.mark(1)}',
        [tenant]))[0]["id"]
    made = await create_token(database, account_id=account.id, actor="test",
                              tenant_id=tenant_id, tenant_code=tenant, name="测试", days=365,
                              now=now)
    return ActingClient(client, made.token), username


@pytest.fixture(scope="session")
async def staff_client(app: Litestar, client: AsyncTestClient[Litestar],
                       database: Database) -> ActingClient:
    """A client acting as office staff (巡察办工作人员) of ``ta.one``."""
    acting, _ = await acting_as(app, client, database, "office_staff", "ta.one")
    return acting
