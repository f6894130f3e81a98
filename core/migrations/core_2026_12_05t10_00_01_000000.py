"""Composite and unique indexes of the core tables.

Written by hand: piccolo's column ``index=True`` covers single columns only.
A migration of its own because piccolo's manager runs a migration's raw SQL
before it creates that migration's tables. ``IF NOT EXISTS`` keeps each
statement safe to run on SQLite and PostgreSQL alike.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T10:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "core: composite indexes and unique keys"

INDEXES = [
    # Orgs: one code per tenant; children of a parent; lists in (sort, id) order.
    'CREATE UNIQUE INDEX IF NOT EXISTS org_tenant_code ON "org" ("tenant_id", "code")',
    'CREATE INDEX IF NOT EXISTS org_tenant_parent ON "org" ("tenant_id", "parent")',
    'CREATE INDEX IF NOT EXISTS org_tenant_sort ON "org" ("tenant_id", "sort", "id")',
    # Audit: one entry per (tenant, seq), so a second writer can never fork a chain.
    "CREATE UNIQUE INDEX IF NOT EXISTS audit_entry_tenant_seq "
    'ON "audit_entry" ("tenant_id", "seq")',
    # Inspection workflow: lookups within a tenant by parent, and natural keys.
    "CREATE INDEX IF NOT EXISTS round_tenant_term ON inspection_round (tenant_id, term_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS round_tenant_year_number "
    "ON inspection_round (tenant_id, year, number)",
    "CREATE INDEX IF NOT EXISTS inspection_tenant_round ON inspection (tenant_id, round_id)",
    "CREATE INDEX IF NOT EXISTS inspection_tenant_stage ON inspection (tenant_id, stage)",
    "CREATE UNIQUE INDEX IF NOT EXISTS target_tenant_inspection_org "
    "ON inspection_target (tenant_id, inspection_id, org_id)",
    "CREATE INDEX IF NOT EXISTS target_tenant_org ON inspection_target (tenant_id, org_id)",
    "CREATE INDEX IF NOT EXISTS team_tenant_inspection ON team_member (tenant_id, inspection_id)",
    "CREATE INDEX IF NOT EXISTS team_person ON team_member (person)",
    "CREATE INDEX IF NOT EXISTS log_tenant_inspection ON inspection_log (tenant_id, inspection_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS paper_tenant_inspection_number "
    "ON working_paper (tenant_id, inspection_id, number)",
    "CREATE INDEX IF NOT EXISTS revision_tenant_paper "
    "ON working_paper_revision (tenant_id, paper_id)",
    "CREATE INDEX IF NOT EXISTS attachment_tenant_owner "
    "ON attachment (tenant_id, owner_type, owner_id)",
    "CREATE INDEX IF NOT EXISTS finding_tenant_inspection ON finding (tenant_id, inspection_id)",
    "CREATE INDEX IF NOT EXISTS finding_tenant_category ON finding (tenant_id, category)",
    "CREATE INDEX IF NOT EXISTS clue_tenant_inspection ON clue (tenant_id, inspection_id)",
    "CREATE INDEX IF NOT EXISTS item_tenant_inspection "
    "ON rectification_item (tenant_id, inspection_id)",
    "CREATE INDEX IF NOT EXISTS item_tenant_org ON rectification_item (tenant_id, org_id)",
    "CREATE INDEX IF NOT EXISTS item_tenant_deadline "
    "ON rectification_item (tenant_id, status, deadline)",
    "CREATE INDEX IF NOT EXISTS item_tenant_ledger_order "
    "ON rectification_item (tenant_id, deadline, id)",
    # One ledger item per finding, even when two requests race.
    "CREATE UNIQUE INDEX IF NOT EXISTS item_tenant_finding "
    "ON rectification_item (tenant_id, finding_id) WHERE finding_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS action_tenant_item ON rectification_action (tenant_id, item_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS rectification_report_tenant_inspection_org "
    "ON rectification_report (tenant_id, inspection_id, org_id)",
    "CREATE INDEX IF NOT EXISTS disclosure_tenant_inspection "
    "ON disclosure (tenant_id, inspection_id)",
    # Sync: one inbox row per event, one replica per key, one state row per key.
    "CREATE UNIQUE INDEX IF NOT EXISTS sync_inbox_tenant_event "
    "ON sync_inbox (tenant_id, event_id)",
    "CREATE INDEX IF NOT EXISTS sync_inbox_tenant_origin "
    "ON sync_inbox (tenant_id, origin, received_at)",
    "CREATE UNIQUE INDEX IF NOT EXISTS replica_tenant_key "
    "ON replica (tenant_id, origin, kind, key)",
    "CREATE INDEX IF NOT EXISTS replica_tenant_kind ON replica (tenant_id, kind)",
    "CREATE UNIQUE INDEX IF NOT EXISTS sync_state_tenant_key ON sync_state (tenant_id, key)",
    "CREATE INDEX IF NOT EXISTS sync_outbox_tenant_order ON sync_outbox (tenant_id, id)",
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
