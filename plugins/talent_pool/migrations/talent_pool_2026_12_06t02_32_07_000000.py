"""Keys of the talent pool tables: one person per key, and the lookups recusal makes
(history and relations by org).

Written by hand, in a migration of its own because piccolo's manager runs a
migration's raw SQL before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T02:32:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "talent_pool: keys and recusal indexes"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS talent_person_key "
    "ON talent_person (tenant_id, person_key)",
    "CREATE INDEX IF NOT EXISTS talent_person_status ON talent_person (tenant_id, status)",
    "CREATE INDEX IF NOT EXISTS talent_history_org ON talent_history (tenant_id, org_id)",
    "CREATE INDEX IF NOT EXISTS talent_relation_org ON talent_relation (tenant_id, org_id)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(
        migration_id=ID, app_name="talent_pool", description=DESCRIPTION
    )

    async def keys() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(keys)
    return manager
