"""Indexes of the sync tables: one inbox row per event, one replica per key."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T01:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync: uniqueness of inbox, replicas and state"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS sync_inbox_tenant_event "
    "ON sync_inbox (tenant_id, event_id)",
    "CREATE INDEX IF NOT EXISTS sync_inbox_tenant_origin "
    "ON sync_inbox (tenant_id, origin, received_at)",
    "CREATE UNIQUE INDEX IF NOT EXISTS replica_tenant_key "
    "ON replica (tenant_id, origin, kind, key)",
    "CREATE INDEX IF NOT EXISTS replica_tenant_kind ON replica (tenant_id, kind)",
    "CREATE UNIQUE INDEX IF NOT EXISTS sync_state_tenant_key ON sync_state (tenant_id, key)",
    "CREATE INDEX IF NOT EXISTS sync_outbox_tenant_order ON sync_outbox (tenant_id, id)",
    # Tenants loaded before parent_code existed learn their parent's code.
    'UPDATE "tenant" SET "parent_code" = (SELECT p."code" FROM "tenant" p '
    'WHERE p."id" = "tenant"."parent") WHERE "parent" IS NOT NULL AND "parent_code" IS NULL',
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def sync_indexes() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(sync_indexes)
    return manager
