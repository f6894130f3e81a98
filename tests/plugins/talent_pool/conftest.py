"""A deployment of its own for the talent pool tests.

A scratch database (SQLite or PostgreSQL, as the run), migrated with the
plugin's tables, holding a city ``tp`` and its counties ``tp.a`` (the pool
under test), ``tp.b`` (another county, whose rows must never show in
``tp.a``) and ``tp.off``, which disables the plugin. The real app runs on it;
one account is office admin of every tenant, with an API token per tenant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
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


def _orgs() -> list[OrgSpec]:
    return [
        OrgSpec(code="D001", name="县财政局", kind=OrgKind.department),
        OrgSpec(code="D002", name="县教育局", kind=OrgKind.department),
        OrgSpec(code="D003", name="县住建局", kind=OrgKind.department),
        OrgSpec(code="S01", name="县城投公司", kind=OrgKind.soe),
        OrgSpec(code="T01", name="东风镇", kind=OrgKind.township),
        OrgSpec(code="T01V001", name="张庄村", kind=OrgKind.village, parent="T01"),
    ]


TREE = [
    TenantSpec(code="tp", name="人才市委巡察办", level=TenantLevel.city, orgs=[
        OrgSpec(code="D001", name="市财政局", kind=OrgKind.department)]),
    TenantSpec(code="tp.a", name="人才甲县委巡察办", level=TenantLevel.county, parent="tp",
               orgs=_orgs()),
    TenantSpec(code="tp.b", name="人才乙县委巡察办", level=TenantLevel.county, parent="tp",
               orgs=_orgs()),
    TenantSpec(code="tp.off", name="人才停用县委巡察办", level=TenantLevel.county, parent="tp",
               orgs=_orgs(), plugins=["*", "-talent_pool"]),
]
ADMIN = "talent.admin"


@pytest.fixture(scope="session")
def talent_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    with scratch_database(tmp_path_factory.mktemp("talent_db"), "talent") as run_db:
        yield run_db


@pytest.fixture(scope="session")
def talent_settings(tmp_path_factory: pytest.TempPathFactory, talent_db: RunDatabase
                    ) -> Settings:
    home: Path = tmp_path_factory.mktemp("talent_home")
    return make_settings(home, talent_db)


@pytest.fixture(scope="session")
async def talent_database(talent_settings: Settings) -> AsyncIterator[Database]:
    """The scratch database, migrated, with :data:`TREE` loaded (as the owner)."""
    await migrate_database(talent_settings, Plugins(talent_settings))
    admin = Database(talent_settings.database_admin_url)
    await admin.start()
    try:
        await sync_tree(admin, TREE)
        yield admin
    finally:
        await admin.stop()


PASSWORD = "Talent2026office"


@pytest.fixture(scope="session")
async def talent_tokens(talent_database: Database) -> dict[str, str]:
    """API tokens of ``ADMIN`` (home ``tp.a``), office admin of every tenant of the tree."""
    from core.authz.policy import PolicyAdapter
    from core.identity.accounts import create_account
    from core.identity.tokens import create_token

    now = datetime.now(UTC)
    account = await create_account(talent_database, ADMIN, "人才库测试管理员", "tp.a",
                                   PASSWORD, now=now, actor="test")
    rows = await talent_database.fetch('SELECT "id", "code" FROM "tenant"')
    ids = {r["code"]: r["id"] for r in rows}
    tokens = {}
    for spec in TREE:
        await PolicyAdapter(talent_database).add_policy("g", "g", [ADMIN, "office_admin",
                                                                   spec.code])
        made = await create_token(talent_database, account_id=account.id, actor="test",
                                  tenant_id=ids[spec.code], tenant_code=spec.code, name="测试",
                                  days=365, now=now)
        tokens[spec.code] = made.token
    return tokens


@pytest.fixture(scope="session")
async def talent_app(talent_settings: Settings, talent_database: Database,
                     talent_tokens: dict[str, str]) -> Litestar:
    return create_app(talent_settings, Plugins(talent_settings))


@pytest.fixture(scope="session")
async def tc(talent_app: Litestar, talent_tokens: dict[str, str]
             ) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The running app as the talent admin (office admin of every tenant)."""
    async with AppClient(talent_app) as test_client:
        test_client.auth = TenantTokens(talent_tokens, "tp.a")
        yield test_client


@pytest.fixture
async def settings_of(tc: AsyncTestClient[Litestar]) -> AsyncIterator[Any]:
    """``await settings_of("tp.a", {key: value})`` changes a tenant's settings for one
    test; the defaults come back after it."""
    changed: dict[str, set[str]] = {}

    async def change(tenant: str, values: dict[str, Any]) -> None:
        response = await tc.patch(f"/t/{tenant}/api/settings", json={"values": values})
        assert response.status_code == 200, response.text
        changed.setdefault(tenant, set()).update(values)

    yield change
    for tenant, keys in changed.items():
        response = await tc.patch(f"/t/{tenant}/api/settings",
                                  json={"values": {k: None for k in keys}})
        assert response.status_code == 200, response.text
