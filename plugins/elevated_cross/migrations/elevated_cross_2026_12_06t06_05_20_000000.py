"""Indexes of elevated_cross: one handover and one host decision per (tenant, origin, id).

Written by hand, in a migration of its own because piccolo's manager runs a
migration's raw SQL before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T06:05:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "elevated_cross: unique handovers and decisions, lists by tenant"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS elevated_handover_once "
    "ON elevated_handover (tenant_id, origin, elevated_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS cross_decision_once "
    "ON cross_decision (tenant_id, origin, cross_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS elevated_village_class_county "
    "ON elevated_village_class (tenant_id, county)",
    "CREATE INDEX IF NOT EXISTS elevated_inspection_tenant_order "
    "ON elevated_inspection (tenant_id, id)",
    "CREATE INDEX IF NOT EXISTS elevated_finding_tenant_elevated "
    "ON elevated_finding (tenant_id, elevated_id)",
    "CREATE INDEX IF NOT EXISTS cross_assignment_tenant_order "
    "ON cross_assignment (tenant_id, id)",
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
