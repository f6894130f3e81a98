"""Apply the migrations of core and of every plugin app, then RLS."""

from __future__ import annotations

import contextlib
import io
import logging
import os
from collections.abc import Sequence

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppRegistry
from piccolo.table import Table

from core.db.database import Database
from core.db.rls import apply_rls
from core.db.sql import table_info

__all__ = ["MigrationError", "app_tables", "bind_tables", "migrate", "unknown_migrations"]

log = logging.getLogger(__name__)


class MigrationError(RuntimeError):
    """A migration failed; the message says which app and why."""


def app_tables(app_modules: Sequence[str]) -> list[type[Table]]:
    """The table classes declared by the given piccolo app modules."""
    registry = AppRegistry(apps=list(app_modules))
    tables: list[type[Table]] = []
    for config in registry.app_configs.values():
        tables.extend(config.table_classes)
    return tables


def bind_tables(db: Database, tables: Sequence[type[Table]]) -> None:
    """Point piccolo tables at this database's engine (piccolo binds per class), and tell
    the database which of them belong to a tenant (their writes bump that tenant's data
    stamp, :mod:`core.db.stamps`)."""
    for table in tables:
        table._meta.db = db.engine
        if table_info(table).tenant_owned:
            db.tenant_tables.add(table._meta.tablename)


async def unknown_migrations(registry: AppRegistry) -> list[str]:
    """Applied migrations of the given apps that their migration folders lack.

    A database migrated by an earlier, unreleased version has such ids (its
    migrations were squashed since); piccolo would try to create its tables
    again.

    Returns:
        ``"<app> <migration id>"`` for each, sorted; empty when all are known.
    """
    if not await Migration.table_exists().run():
        return []
    finder = BaseMigrationManager()
    known = {name: set(finder.get_migration_modules(config.resolved_migrations_folder_path))
             for name, config in registry.app_configs.items()}
    rows = await Migration.select(Migration.app_name, Migration.name).run()
    return sorted(f"{row['app_name']} {row['name']}" for row in rows
                  if row["app_name"] in known and row["name"] not in known[row["app_name"]])


async def migrate(db: Database, app_modules: Sequence[str], app_role: str | None) -> str:
    """Run every pending migration of ``app_modules`` in dependency order.

    Args:
        db: the database, connected as the role that owns the tables.
        app_modules: piccolo app modules (``"core.piccolo_app"``, plugins').
        app_role: on PostgreSQL, the application role to grant data access.

    Returns:
        piccolo's report of what ran.

    Raises:
        MigrationError: a migration failed, or the database holds migrations
            this version does not know (a data directory of an earlier version).
    """
    import core.piccolo_conf as conf

    os.environ["PICCOLO_CONF"] = "core.piccolo_conf"
    conf.DB = db.engine
    conf.APP_REGISTRY = AppRegistry(apps=list(app_modules))
    Migration._meta.db = db.engine
    tables = app_tables(app_modules)
    bind_tables(db, tables)
    unknown = await unknown_migrations(conf.APP_REGISTRY)
    if unknown:
        raise MigrationError(
            f"数据库中有本版本不认识的迁移记录（{unknown[0]} 等 {len(unknown)} 项），"
            "应是旧版本留下的数据：请删除旧的数据目录（默认 ./var，或运行 make clean）"
            "或换用新的数据库后重试"
        )
    report = io.StringIO()
    try:
        with contextlib.redirect_stdout(report):
            result = await run_forwards(app_name="all")
    except Exception as exc:
        raise MigrationError(f"数据库迁移失败：{exc}\n{report.getvalue()}") from exc
    if not result.success:
        raise MigrationError(f"数据库迁移失败：{result.message}\n{report.getvalue()}")
    if db.postgres:
        await apply_rls(db, tables, app_role)
    log.debug("migrations: %s", report.getvalue())
    return report.getvalue()


