"""Keys, indexes and the policy-version trigger of the multi-process tables.

A migration of its own because piccolo's manager runs a migration's raw SQL
before it creates that migration's tables. On PostgreSQL a statement trigger
on ``casbin_rule`` adds one to ``policy_version`` in every transaction that
changes a policy line, so every process can tell that its index is stale.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-06T06:13:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "core: keys of the multi-process tables, policy-version trigger"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS scheduled_run_name_period "
    'ON "scheduled_run" ("name", "period")',
    'CREATE INDEX IF NOT EXISTS login_failure_scope_key ON "login_failure" ("scope", "key", "at")',
    'INSERT INTO "policy_version" ("id", "version") SELECT 1, 0 '
    'WHERE NOT EXISTS (SELECT 1 FROM "policy_version")',
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION xuncha_policy_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE "policy_version" SET "version" = "version" + 1 WHERE "id" = 1;
        RETURN NULL;
    END $$""",
    'DROP TRIGGER IF EXISTS xuncha_policy_changed ON "casbin_rule"',
    'CREATE TRIGGER xuncha_policy_changed AFTER INSERT OR UPDATE OR DELETE ON "casbin_rule" '
    "FOR EACH STATEMENT EXECUTE FUNCTION xuncha_policy_changed()",
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def statements() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in STATEMENTS:
            await engine.run_ddl(statement)
        if isinstance(engine, PostgresEngine):
            for statement in POSTGRES:
                await engine.run_ddl(statement)

    manager.add_raw(statements)
    return manager
