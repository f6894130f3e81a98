"""Unique keys of the second evaluation tables (a ledger item carried into a lookback once,
one interview per evaluation, one office evaluation per county and year).

Written by hand, in a migration of its own because piccolo's manager runs a
migration's raw SQL before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T06:15:58:000000"
VERSION = "1.38.0"
DESCRIPTION = "evaluation: unique keys of carried items, interviews, office evaluations"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS lookback_carried_item_key "
    "ON lookback_carried_item (tenant_id, item_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS evaluation_interview_key "
    "ON evaluation_interview (tenant_id, evaluation_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS office_evaluation_key "
    "ON office_evaluation (tenant_id, county, year)",
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
