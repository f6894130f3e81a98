"""Unique keys of the village coverage tables (one decision, plan entry and memo per
org or term, one report per county and term).

Written by hand, in a migration of its own because piccolo's manager runs a
migration's raw SQL before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T10:02:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "village_coverage: unique keys"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS coverage_org_key "
    "ON coverage_org (tenant_id, term_id, org_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS coverage_plan_entry_key "
    "ON coverage_plan_entry (tenant_id, term_id, org_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS coverage_memo_key ON coverage_memo (tenant_id, term_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS coverage_county_report_key "
    "ON coverage_county_report (tenant_id, county, term_id)",
    "CREATE INDEX IF NOT EXISTS coverage_directive_direction "
    "ON coverage_directive (tenant_id, direction, id)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(
        migration_id=ID, app_name="village_coverage", description=DESCRIPTION
    )

    async def unique_keys() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(unique_keys)
    return manager
