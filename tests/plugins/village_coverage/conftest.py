"""A deployment of its own for the village coverage tests.

A scratch database (SQLite or PostgreSQL, as the run), migrated with the
plugin's tables, holding two cities with their counties:

- ``vc`` with ``vc.t`` (targets and progress), ``vc.p`` (the planner),
  ``vc.w`` (pages) and ``vc.off``, which disables the plugin;
- ``vs`` with ``vs.a`` and ``vs.b``, whose reports the sync test totals.

The real app runs on it (its own embedded nats-server and sync service), so
what a county publishes reaches its city as in production. One account is
office admin of every tenant, with an API token per tenant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
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
from core.tenancy.model import OrgSpec, TenantSpec
from core.tenancy.tables import OrgKind, TenantLevel
from core.testing.clients import AppClient
from tests.conftest import (
    RunDatabase,
    TenantTokens,
    make_settings,
    migrate_database,
    scratch_database,
)

ADMIN = "coverage.admin"
PASSWORD = "Coverage2026office"


def county_orgs(departments: int, townships: dict[str, int], communities: int = 0
                ) -> list[OrgSpec]:
    """Departments ``D001``..; townships ``T01``.. with villages ``T01V001``.. each.

    The first township also gets ``communities`` communities (``T01C001``..).
    """
    orgs = [OrgSpec(code=f"D{i:03d}", name=f"第{i}局", kind=OrgKind.department)
            for i in range(1, departments + 1)]
    for t, (code, villages) in enumerate(townships.items()):
        orgs.append(OrgSpec(code=code, name=f"{code}镇", kind=OrgKind.township))
        orgs += [OrgSpec(code=f"{code}V{v:03d}", name=f"{code}镇{v}村", kind=OrgKind.village,
                         parent=code) for v in range(1, villages + 1)]
        if t == 0:
            orgs += [OrgSpec(code=f"{code}C{c:03d}", name=f"{code}镇{c}社区",
                             kind=OrgKind.community, parent=code)
                     for c in range(1, communities + 1)]
    return orgs


def county(code: str, name: str, parent: str, orgs: list[OrgSpec], **extra: Any) -> TenantSpec:
    """A county tenant."""
    return TenantSpec(code=code, name=name, level=TenantLevel.county, parent=parent,
                      orgs=orgs, **extra)


TREE = [
    TenantSpec(code="vc", name="覆盖市委巡察办", level=TenantLevel.city, orgs=[
        OrgSpec(code="D001", name="覆盖市财政局", kind=OrgKind.department)]),
    county("vc.t", "覆盖甲县委巡察办", "vc",
           county_orgs(4, {"T01": 6, "T02": 3}, communities=1)),
    county("vc.p", "覆盖乙县委巡察办", "vc", county_orgs(3, {"T01": 30, "T02": 8, "T03": 4})),
    county("vc.w", "覆盖丙县委巡察办", "vc", county_orgs(2, {"T01": 4})),
    county("vc.off", "覆盖停用县委巡察办", "vc", county_orgs(1, {"T01": 2}),
           plugins=["*", "-village_coverage"]),
    TenantSpec(code="vs", name="汇总市委巡察办", level=TenantLevel.city),
    county("vs.a", "汇总甲县委巡察办", "vs", county_orgs(5, {"T01": 8, "T02": 4})),
    county("vs.b", "汇总乙县委巡察办", "vs", county_orgs(3, {"T01": 6})),
]


async def admin_tokens(database: Database, tenants: list[str]) -> dict[str, str]:
    """Make ``ADMIN`` office admin of ``tenants`` with one API token each."""
    from core.authz.policy import PolicyAdapter
    from core.identity.accounts import create_account

    account = await create_account(database, ADMIN, "全覆盖测试管理员", "vc", PASSWORD,
                                   now=datetime.now(UTC), actor="test")
    for code in tenants:
        await PolicyAdapter(database).add_policy("g", "g", [ADMIN, "office_admin", code])
    return await mint_tokens(database, account.id, tenants, datetime.now(UTC))


async def mint_tokens(database: Database, account_id: int, tenants: list[str],
                      now: datetime) -> dict[str, str]:
    """API tokens of ``ADMIN`` valid from ``now`` (tests move the clock by years)."""
    from core.identity.tokens import create_token

    rows = await database.fetch('SELECT "id", "code" FROM "tenant"')
    ids = {r["code"]: r["id"] for r in rows}
    tokens = {}
    for code in tenants:
        made = await create_token(database, account_id=account_id, actor="test",
                                  tenant_id=ids[code], tenant_code=code, name="测试", days=30,
                                  now=now)
        tokens[code] = made.token
    return tokens


@pytest.fixture(scope="session")
def coverage_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with scratch_database(tmp_path_factory.mktemp("coverage_db"), "coverage") as run_db:
        yield run_db


@pytest.fixture(scope="session")
def coverage_settings(tmp_path_factory: pytest.TempPathFactory,
                      coverage_db: RunDatabase) -> Settings:
    home: Path = tmp_path_factory.mktemp("coverage_home")
    return make_settings(home, coverage_db)


@pytest.fixture(scope="session")
async def coverage_database(coverage_settings: Settings) -> AsyncIterator[Database]:
    """The scratch database, migrated, with :data:`TREE` loaded (as the owner)."""
    await migrate_database(coverage_settings, Plugins(coverage_settings))
    admin = Database(coverage_settings.database_admin_url)
    await admin.start()
    try:
        await sync_tree(admin, TREE)
        yield admin
    finally:
        await admin.stop()


@pytest.fixture(scope="session")
async def coverage_tokens(coverage_database: Database) -> dict[str, str]:
    return await admin_tokens(coverage_database, [spec.code for spec in TREE])


@pytest.fixture(scope="session")
async def coverage_app(coverage_settings: Settings, coverage_database: Database,
                       coverage_tokens: dict[str, str]) -> Litestar:
    return create_app(coverage_settings, Plugins(coverage_settings))


@pytest.fixture(scope="session")
async def cov(coverage_app: Litestar, coverage_tokens: dict[str, str]
              ) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The running app as the coverage admin (office admin of every tenant)."""
    async with AppClient(coverage_app) as test_client:
        test_client.auth = TenantTokens(coverage_tokens, "vc")
        yield test_client


@pytest.fixture
def runtime(coverage_app: Litestar, cov: AsyncTestClient[Litestar]) -> Any:
    """The running app's runtime (database, clock, plugins, tenants)."""
    return coverage_app.state.runtime


@pytest.fixture
async def today(runtime: Any, cov: AsyncTestClient[Litestar], coverage_database: Database,
                coverage_tokens: dict[str, str]) -> AsyncIterator[Any]:
    """``await today(date(2027, 3, 1))`` sets the app's clock to that day (and gives the
    client tokens valid then); the clock is reset after the test."""
    account = (await coverage_database.fetch(
        f'SELECT "id" FROM "account" WHERE "username" = {coverage_database.dialect.mark(1)}',
        [ADMIN]))[0]["id"]

    async def travel(day: date) -> None:
        runtime.clock.travel_to(day)
        tokens = await mint_tokens(coverage_database, account, list(coverage_tokens),
                                   runtime.clock.now())
        cov.auth = TenantTokens(tokens, "vc")

    yield travel
    runtime.clock.reset()
    cov.auth = TenantTokens(coverage_tokens, "vc")
