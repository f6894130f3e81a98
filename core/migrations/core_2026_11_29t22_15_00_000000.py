"""Org lists are read in (sort, id) order within a tenant."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T22:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "org: index (tenant_id, sort, id) for ordered lists"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def list_order_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'CREATE INDEX IF NOT EXISTS org_tenant_sort ON "org" ("tenant_id", "sort", "id")'
        )

    manager.add_raw(list_order_index)
    return manager
