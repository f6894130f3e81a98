"""Unique keys of the evaluation tables (one evaluation per inspection and unit, one link per
lookback inspection, one result per county and source evaluation).

Written by hand, in a migration of its own because piccolo's manager runs a
migration's raw SQL before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T05:17:56:000000"
VERSION = "1.38.0"
DESCRIPTION = "evaluation: unique keys"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS unit_evaluation_key "
    "ON unit_evaluation (tenant_id, inspection_id, org_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS lookback_link_key "
    "ON lookback_link (tenant_id, inspection_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS evaluation_county_result_key "
    "ON evaluation_county_result (tenant_id, county, source_id)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(
        migration_id=ID, app_name="evaluation", description=DESCRIPTION
    )

    async def unique_keys() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(unique_keys)
    return manager
