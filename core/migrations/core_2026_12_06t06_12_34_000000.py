"""Indexes of the special-inspection columns: one mark per checklist item of an inspection.

Written by hand (piccolo's ``index=True`` covers single columns only), in a
migration of its own so the table exists before the raw SQL runs.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T06:12:34:000000"
VERSION = "1.38.0"
DESCRIPTION = "core: one checklist mark per inspection and item; findings by checklist item"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS checklist_mark_tenant_inspection_item "
    "ON checklist_mark (tenant_id, inspection_id, item_code)",
    "CREATE INDEX IF NOT EXISTS finding_tenant_checklist_item "
    "ON finding (tenant_id, inspection_id, checklist_item)",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(indexes)
    return manager
