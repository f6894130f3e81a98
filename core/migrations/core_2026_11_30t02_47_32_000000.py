"""Indexes of linkage: directives by tenant, one directive per answering ledger item."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T02:47:32:000000"
VERSION = "1.38.0"
DESCRIPTION = "linkage: indexes of directive and directive_item"

INDEXES = [
    "CREATE INDEX IF NOT EXISTS directive_tenant_order ON directive (tenant_id, id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS directive_item_tenant_item "
    "ON directive_item (tenant_id, item_id)",
    "CREATE INDEX IF NOT EXISTS directive_item_tenant_directive "
    "ON directive_item (tenant_id, directive_origin, directive_id)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def linkage_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(linkage_indexes)
    return manager
