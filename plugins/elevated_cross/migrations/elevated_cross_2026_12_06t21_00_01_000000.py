"""Indexes of elevated_cross: one guest account per username and tenant, guests by
assignment.

Written by hand, in a migration of its own because piccolo's manager runs a
migration's raw SQL before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T21:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "elevated_cross: guests by username and by assignment"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS cross_guest_username "
    "ON cross_guest (tenant_id, username)",
    "CREATE INDEX IF NOT EXISTS cross_guest_tenant_cross "
    "ON cross_guest (tenant_id, cross_id)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="elevated_cross",
                               description=DESCRIPTION)

    async def indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(indexes)
    return manager
