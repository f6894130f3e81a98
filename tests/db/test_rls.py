"""PostgreSQL row-level security: the second lock, tested with raw SQL as the app role."""

from __future__ import annotations

import os

import pytest

from core.db import Database
from core.db.migrate import app_tables
from core.db.rls import POLICY
from core.db.sql import table_info
from core.settings import Settings

pytestmark = pytest.mark.skipif(
    os.environ.get("XUNCHA_TEST_DB", "sqlite") != "postgres",
    reason="row-level security exists only on PostgreSQL",
)


async def _app_conn(settings: Settings):  # type: ignore[no-untyped-def]
    import asyncpg

    return await asyncpg.connect(settings.database_url)


async def test_raw_select_as_app_role_sees_only_the_set_tenant(
    settings: Settings, database: Database, tenant_ids: dict[str, int]
) -> None:
    conn = await _app_conn(settings)
    try:
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.tenant', $1, true)", str(tenant_ids["ta"]))
            rows = await conn.fetch('SELECT "tenant_id", "name" FROM "org"')
        assert rows and {r["tenant_id"] for r in rows} == {tenant_ids["ta"]}
        # Without a tenant set, nothing at all.
        assert await conn.fetch('SELECT * FROM "org"') == []
        # A tenant set outside a transaction does not stick to the connection.
        await conn.execute("SELECT set_config('app.tenant', $1, true)", str(tenant_ids["tb"]))
        assert await conn.fetch('SELECT * FROM "org"') == []
    finally:
        await conn.close()


async def test_app_role_cannot_write_into_another_tenant(
    settings: Settings, database: Database, tenant_ids: dict[str, int]
) -> None:
    import asyncpg

    conn = await _app_conn(settings)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with conn.transaction():
                await conn.execute("SELECT set_config('app.tenant', $1, true)",
                                   str(tenant_ids["ta"]))
                await conn.execute(
                    'INSERT INTO "org" ("tenant_id", "code", "name", "kind", "active", "sort", '
                    '"updated_at") VALUES ($1, $2, $3, $4, true, 0, now())',
                    tenant_ids["tb"], "EVIL", "越权", "department",
                )
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.tenant', $1, true)", str(tenant_ids["ta"]))
            changed = await conn.execute(
                'UPDATE "org" SET "name" = $1 WHERE "tenant_id" = $2', "越权", tenant_ids["tb"]
            )
        assert changed == "UPDATE 0"
    finally:
        await conn.close()


async def test_app_role_owns_nothing_and_cannot_change_tenants(
    settings: Settings, database: Database, plugins: object
) -> None:
    import asyncpg

    conn = await _app_conn(settings)
    try:
        owned = await conn.fetchval(
            "SELECT COUNT(*) FROM pg_tables "
            "WHERE schemaname = 'public' AND tableowner = current_user"
        )
        assert owned == 0
        assert not await conn.fetchval("SELECT rolsuper OR rolbypassrls FROM pg_roles "
                                       "WHERE rolname = current_user")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute('UPDATE "tenant" SET "name" = $1', "篡改")
    finally:
        await conn.close()


async def test_every_tenant_table_has_the_policy(database: Database) -> None:
    from core.app import piccolo_apps
    from core.plugins import Plugins
    from core.settings import load_settings

    tables = app_tables(piccolo_apps(Plugins(load_settings({}))))
    tenant_tables = {table_info(t).name for t in tables if table_info(t).tenant_owned}
    assert "org" in tenant_tables
    rows = await database.fetch(
        "SELECT c.relname, c.relrowsecurity FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
    )
    secured = {r["relname"] for r in rows if r["relrowsecurity"]}
    assert tenant_tables <= secured
    policies = {r["tablename"] for r in await database.fetch(
        "SELECT tablename FROM pg_policies WHERE policyname = $1", [POLICY])}
    assert tenant_tables <= policies
