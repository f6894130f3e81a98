"""Composite indexes of the core tables (raw SQL runs before table creation
in piccolo's manager, so it needs a migration of its own)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T20:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "org: unique code per tenant, index by parent"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def composite_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS org_tenant_code ON "org" ("tenant_id", "code")'
        )
        await engine.run_ddl(
            'CREATE INDEX IF NOT EXISTS org_tenant_parent ON "org" ("tenant_id", "parent")'
        )

    manager.add_raw(composite_indexes)
    return manager
