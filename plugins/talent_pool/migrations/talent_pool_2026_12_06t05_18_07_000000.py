"""Keys of the appraisal and secondment tables: one appraisal per team member, one
nominee per (request, county, person), one secondment line per (city, request, person).

Written by hand, in a migration of its own because piccolo's manager runs a
migration's raw SQL before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T05:18:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "talent_pool: appraisal and secondment keys"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS talent_appraisal_member "
    "ON talent_appraisal (tenant_id, member_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS talent_secondment_nominee_key "
    "ON talent_secondment_nominee (tenant_id, request_id, county, county_person_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS talent_secondment_key "
    "ON talent_secondment (tenant_id, origin, request_id, person_id)",
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
