"""Indexes of linkage: directives by tenant, one directive per answering ledger item.

Written by hand, in a migration of its own because piccolo's manager runs a
migration's raw SQL before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T10:01:01:000000"
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
    manager = MigrationManager(migration_id=ID, app_name="linkage", description=DESCRIPTION)

    async def indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(indexes)
    return manager
