"""One entry per (tenant, seq): a second writer can never fork a chain."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T21:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_entry: unique (tenant_id, seq)"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def unique_seq() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS audit_entry_tenant_seq '
            'ON "audit_entry" ("tenant_id", "seq")'
        )

    manager.add_raw(unique_seq)
    return manager
